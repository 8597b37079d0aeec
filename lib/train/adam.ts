import type { TWeights } from '../fixtures/mmdit';

export type TAdamConfig = { lr: number; beta1: number; beta2: number; epsilon: number };

export const ADAM_DEFAULTS: TAdamConfig = { lr: 1.5e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/**
 * Adam over named weights, updated in place. Written here rather than taken from a framework so
 * that its state (moments by weight name, step count) is plain data a checkpoint saves and
 * restores exactly, whichever engine computed the gradients.
 */
export class Adam {
  readonly m: TWeights = {};
  readonly v: TWeights = {};

  constructor(
    readonly config: TAdamConfig,
    params: TWeights,
    /** Updates applied so far. */
    public t = 0,
  ) {
    for (const [name, p] of Object.entries(params)) {
      this.m[name] = { data: new Float32Array(p.data.length), dims: [...p.dims] };
      this.v[name] = { data: new Float32Array(p.data.length), dims: [...p.dims] };
    }
  }

  /** Sets the moments (from a checkpoint); names and sizes must match the parameters. */
  restore(m: TWeights, v: TWeights, t: number) {
    for (const name of Object.keys(this.m)) {
      if (!m[name] || !v[name]) throw new Error(`checkpoint lacks Adam moments of ${name}`);
      if (m[name].data.length !== this.m[name].data.length || v[name].data.length !== this.v[name].data.length) throw new Error(`checkpoint's Adam moments of ${name} have the wrong size`);
      this.m[name].data.set(m[name].data);
      this.v[name].data.set(v[name].data);
    }
    this.t = t;
  }

  apply(params: TWeights, grads: Record<string, Float32Array>, lr = this.config.lr) {
    const { beta1: b1, beta2: b2, epsilon } = this.config;
    for (const name of Object.keys(params)) if (!grads[name]) throw new Error(`no gradient for ${name}`);
    this.t += 1;
    const stepSize = (lr * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t);
    for (const [name, p] of Object.entries(params)) {
      const g = grads[name];
      const m = this.m[name].data;
      const v = this.v[name].data;
      const w = p.data;
      for (let i = 0; i < w.length; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        w[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) + epsilon);
      }
    }
  }
}
