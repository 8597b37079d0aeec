import { parentPort, workerData } from 'node:worker_threads';
import type { TMmditConfig, TWeights } from '../fixtures/mmdit';
import { tf, useWasmBackend } from './backend';
import { lossAndGrads } from './gradients';
import { toVariables, type TTfWeights } from './mmdit-tf';
import type { TWorkerReply, TWorkerRequest } from './workers';

/** One tfjs wasm backend in its own thread: given the current weights and a slice of the batch, returns the loss and gradients. */
const { mmdit, weights } = workerData as { mmdit: TMmditConfig; weights: TWeights };
let vars: TTfWeights | null = null;

parentPort!.on('message', async (req: TWorkerRequest) => {
  try {
    if (!vars) {
      await useWasmBackend();
      vars = toVariables(weights);
    }
    for (const [name, data] of Object.entries(req.weights)) {
      // assign shares the tensor's data: dispose it, or every step leaks a copy of the weights
      // (the wasm heap then runs out after some hundred steps)
      const value = tf.tensor(data, vars[name].shape);
      vars[name].assign(value);
      value.dispose();
    }
    const { loss, grads } = lossAndGrads(mmdit, vars, req.inputs);
    const out: Record<string, Float32Array> = {};
    // copies: each owns its buffer, which is transferred, not cloned
    for (const [name, g] of Object.entries(grads)) out[name] = Float32Array.from(g.dataSync() as Float32Array);
    const lossValue = loss.dataSync()[0];
    tf.dispose([loss, ...Object.values(grads)]);
    const reply: TWorkerReply = { ok: true, loss: lossValue, grads: out, tensors: tf.memory().numTensors };
    parentPort!.postMessage(reply, Object.values(out).map((a) => a.buffer as ArrayBuffer));
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: (err as Error).stack ?? String(err) } satisfies TWorkerReply);
  }
});
