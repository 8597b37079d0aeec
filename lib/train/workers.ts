import { Worker } from 'node:worker_threads';
import type { TMmditConfig, TWeights } from '../fixtures/mmdit';
import { sliceInputs, type TStepInputs } from './gradients';

export type TWorkerRequest = { weights: Record<string, Float32Array>; inputs: TStepInputs };
/** `tensors`: the worker's live tensors after the step, which must not grow from step to step. */
export type TWorkerReply = { ok: true; loss: number; grads: Record<string, Float32Array>; tensors: number } | { ok: false; error: string };

/**
 * Data parallelism over worker threads: each step's batch is cut into one contiguous slice per
 * worker, each computes its slice's loss and gradients on its own wasm backend, and the results
 * are averaged (weighted by slice size, summed in worker order, so a step is deterministic).
 */
export class GradientWorkers {
  /** Each worker's live tensors after its last step (a leak shows as growth). */
  tensors: number[] = [];

  private constructor(private readonly workers: Worker[]) {}

  static async start(count: number, mmdit: TMmditConfig, weights: TWeights): Promise<GradientWorkers> {
    const url = new URL('./gradient-worker.mjs', import.meta.url);
    return new GradientWorkers(Array.from({ length: count }, () => new Worker(url, { workerData: { mmdit, weights } })));
  }

  private ask(w: Worker, req: TWorkerRequest): Promise<{ loss: number; grads: Record<string, Float32Array>; tensors: number }> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        w.off('message', onMessage);
        w.off('error', onError);
      };
      const onMessage = (r: TWorkerReply) => {
        cleanup();
        if (r.ok) resolve(r);
        else reject(new Error(`gradient worker failed: ${r.error}`));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.postMessage(req);
    });
  }

  async lossAndGrads(weights: TWeights, inputs: TStepInputs): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
    const k = Math.min(this.workers.length, inputs.batch);
    const bounds = Array.from({ length: k + 1 }, (_, i) => Math.round((i * inputs.batch) / k));
    const plain = Object.fromEntries(Object.entries(weights).map(([n, w]) => [n, w.data]));
    const parts = await Promise.all(Array.from({ length: k }, (_, i) => this.ask(this.workers[i], { weights: plain, inputs: sliceInputs(inputs, bounds[i], bounds[i + 1]) })));
    this.tensors = parts.map((p) => p.tensors);
    let loss = 0;
    const grads: Record<string, Float32Array> = {};
    parts.forEach((p, i) => {
      const share = (bounds[i + 1] - bounds[i]) / inputs.batch;
      loss += share * p.loss;
      for (const [name, g] of Object.entries(p.grads)) {
        const acc = (grads[name] ??= new Float32Array(g.length));
        for (let j = 0; j < g.length; j++) acc[j] += share * g[j];
      }
    });
    return { loss, grads };
  }

  async close() {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
