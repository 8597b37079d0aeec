import type { TWeights } from '../fixtures/mmdit';
import { tf } from './backend';
import type { TTfWeights } from './mmdit-tf';

export type TAdamConfig = { lr: number; beta1: number; beta2: number; epsilon: number };

export const ADAM_DEFAULTS: TAdamConfig = { lr: 1.5e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/**
 * Adam over named variables. Written here rather than tf.train.adam so that its state (moments by
 * weight name, step count) is plain data a checkpoint saves and restores exactly; tfjs's keys its
 * moments by engine-wide variable names that differ between processes.
 */
export class Adam {
  readonly m: TTfWeights = {};
  readonly v: TTfWeights = {};

  constructor(
    readonly config: TAdamConfig,
    params: TTfWeights,
    /** Updates applied so far. */
    public t = 0,
  ) {
    for (const [name, p] of Object.entries(params)) {
      this.m[name] = tf.variable(tf.zerosLike(p), false);
      this.v[name] = tf.variable(tf.zerosLike(p), false);
    }
  }

  /** Sets the moments (from a checkpoint); names and shapes must match the parameters. */
  restore(m: TWeights, v: TWeights, t: number) {
    for (const name of Object.keys(this.m)) {
      if (!m[name] || !v[name]) throw new Error(`checkpoint lacks Adam moments of ${name}`);
      tf.tidy(() => {
        this.m[name].assign(tf.tensor(m[name].data, this.m[name].shape));
        this.v[name].assign(tf.tensor(v[name].data, this.v[name].shape));
      });
    }
    this.t = t;
  }

  apply(params: TTfWeights, grads: Record<string, tf.Tensor>, lr = this.config.lr) {
    const { beta1: b1, beta2: b2, epsilon } = this.config;
    this.t += 1;
    const stepSize = (lr * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t);
    tf.tidy(() => {
      for (const [name, p] of Object.entries(params)) {
        const g = grads[name];
        if (!g) throw new Error(`no gradient for ${name}`);
        const m = tf.add(tf.mul(this.m[name], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.v[name], b2), tf.mul(tf.square(g), 1 - b2));
        this.m[name].assign(m);
        this.v[name].assign(v);
        p.assign(tf.sub(p, tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsilon)), stepSize)));
      }
    });
  }

  dispose() {
    for (const x of [...Object.values(this.m), ...Object.values(this.v)]) x.dispose();
  }
}
