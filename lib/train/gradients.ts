import type { TMmditConfig, TWeights } from '../fixtures/mmdit';
import { tf, useWasmBackend } from './backend';
import { mmditForward, toVariables, type TTfWeights } from './mmdit-tf';

/** One (part of a) training batch, ready for the model: plain arrays, so they cross to worker threads. */
export type TStepInputs = {
  batch: number;
  /** [B, C, S, S] noised latents x_σ */
  xt: Float32Array;
  /** [B, C, S, S] velocities noise − x0 */
  target: Float32Array;
  /** [B, L, W] text states */
  states: Float32Array;
  /** [B, P] pooled text embeddings */
  pooled: Float32Array;
  /** [B] 1000·σ */
  timestep: Float32Array;
  textLength: number;
};

/** Examples [from, to) of a batch. */
export function sliceInputs(x: TStepInputs, from: number, to: number): TStepInputs {
  const per = (a: Float32Array) => a.length / x.batch;
  const cut = (a: Float32Array) => a.slice(from * per(a), to * per(a));
  return { batch: to - from, xt: cut(x.xt), target: cut(x.target), states: cut(x.states), pooled: cut(x.pooled), timestep: cut(x.timestep), textLength: x.textLength };
}

/** The MSE of the predicted velocity and its gradient for every variable, by weight name; the caller disposes them. */
export function lossAndGrads(mmdit: TMmditConfig, vars: TTfWeights, x: TStepInputs): { loss: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const names = Object.keys(vars).sort();
  const byVarName = new Map(names.map((n) => [vars[n].name, n]));
  const { latentChannels: C, latentSize: S } = mmdit;
  const B = x.batch;
  const { value, grads } = tf.variableGrads(() => {
    const pred = mmditForward(mmdit, vars, {
      latent: tf.tensor4d(x.xt, [B, C, S, S]),
      context: tf.tensor3d(x.states, [B, x.textLength, x.states.length / (B * x.textLength)]),
      pooled: tf.tensor2d(x.pooled, [B, x.pooled.length / B]),
      timestep: tf.tensor1d(x.timestep),
    });
    return tf.mean(tf.square(tf.sub(pred, tf.tensor4d(x.target, [B, C, S, S])))) as tf.Scalar;
  }, names.map((n) => vars[n]));
  const named: Record<string, tf.Tensor> = {};
  for (const [varName, g] of Object.entries(grads)) named[byVarName.get(varName)!] = g;
  return { loss: value, grads: named };
}

/**
 * The tfjs engine in one thread (this one or a worker's): holds tfjs variables of the model, sets
 * them to the weights it is given each step, and returns plain arrays.
 */
export class TfjsGradients {
  private constructor(
    private readonly mmdit: TMmditConfig,
    private readonly vars: TTfWeights,
  ) {}

  static async create(mmdit: TMmditConfig, weights: TWeights): Promise<TfjsGradients> {
    await useWasmBackend();
    return new TfjsGradients(mmdit, toVariables(weights));
  }

  /** Live tfjs tensors after the last step: a leak shows as growth. */
  get tensors(): number[] {
    return [tf.memory().numTensors];
  }

  async lossAndGrads(weights: TWeights, x: TStepInputs): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
    for (const [name, w] of Object.entries(weights)) {
      // assign shares the tensor's data: dispose it, or every step leaks a copy of the weights
      // (the wasm heap then runs out after some hundred steps)
      const value = tf.tensor(w.data, this.vars[name].shape);
      this.vars[name].assign(value);
      value.dispose();
    }
    const { loss, grads } = lossAndGrads(this.mmdit, this.vars, x);
    const out: Record<string, Float32Array> = {};
    // copies that own their buffers (a worker transfers them)
    for (const [name, g] of Object.entries(grads)) out[name] = Float32Array.from(g.dataSync() as Float32Array);
    const value = loss.dataSync()[0];
    tf.dispose([loss, ...Object.values(grads)]);
    return { loss: value, grads: out };
  }

  async close() {
    for (const v of Object.values(this.vars)) v.dispose();
  }
}
