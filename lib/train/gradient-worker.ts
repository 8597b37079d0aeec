import { parentPort, workerData } from 'node:worker_threads';
import type { TMmditConfig, TWeights } from '../fixtures/mmdit';
import { tf } from './backend';
import { TfjsGradients } from './gradients';
import type { TWorkerReply, TWorkerRequest } from './workers';

/** One tfjs wasm backend in its own thread: given the current weights and a slice of the batch, returns the loss and gradients. */
const { mmdit, weights } = workerData as { mmdit: TMmditConfig; weights: TWeights };
let engine: TfjsGradients | null = null;

parentPort!.on('message', async (req: TWorkerRequest) => {
  try {
    engine ??= await TfjsGradients.create(mmdit, weights);
    const named = Object.fromEntries(Object.entries(req.weights).map(([name, data]) => [name, { data, dims: weights[name].dims }]));
    const { loss, grads } = await engine.lossAndGrads(named, req.inputs);
    const reply: TWorkerReply = { ok: true, loss, grads, tensors: tf.memory().numTensors };
    parentPort!.postMessage(reply, Object.values(grads).map((a) => a.buffer as ArrayBuffer));
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: (err as Error).stack ?? String(err) } satisfies TWorkerReply);
  }
});
