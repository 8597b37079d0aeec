/**
 * bench/train.ts: seconds per training step of the shapes model (`arena train`'s defaults: 6
 * blocks, hidden 64, batch 32), in one process:
 * - the two gradient engines: onnxruntime (the default: the model's ONNX graph with its backward
 *   pass) against tfjs on WebAssembly, the baseline, each with one and two threads;
 * - on tfjs, the heads after the blocks against none: the pixel head (the default) and the
 *   residual output conv.
 * Each configuration runs a few warm-up steps, then the timed ones; the median step is reported.
 *
 *   npx tsx bench/train.ts [--steps N] [--warmup N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Trainer } from '../lib/train/train';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '6' }, warmup: { type: 'string', default: '2' } } });
const STEPS = Number(values.steps);
const WARMUP = Number(values.warmup);
if (!(Number.isInteger(STEPS) && STEPS >= 1 && Number.isInteger(WARMUP) && WARMUP >= 0)) throw new Error('--steps must be at least 1 and --warmup at least 0, whole numbers');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-bench-train-'));
const configs = [
  { name: 'tfjs, 1 thread', engine: 'tfjs', workers: 1, outputConv: false, pixelHead: 16 },
  { name: 'tfjs, 2 workers', engine: 'tfjs', workers: 2, outputConv: false, pixelHead: 16 },
  { name: 'onnxruntime, 1 thread', engine: 'onnxruntime', workers: 1, outputConv: false, pixelHead: 16 },
  { name: 'onnxruntime, 2 threads', engine: 'onnxruntime', workers: 2, outputConv: false, pixelHead: 16 },
  { name: 'tfjs, 2 workers, output conv', engine: 'tfjs', workers: 2, outputConv: true, pixelHead: 0 },
  { name: 'tfjs, 2 workers, no head', engine: 'tfjs', workers: 2, outputConv: false, pixelHead: 0 },
] as const;
const results: Record<string, number> = {};
try {
  for (const [i, c] of configs.entries()) {
    const trainer = await Trainer.create({ outputConv: c.outputConv, pixelHead: c.pixelHead }, path.join(tmp, String(i)), { engine: c.engine, workers: c.workers });
    const times: number[] = [];
    for (let s = 0; s < WARMUP + STEPS; s++) {
      const r = await trainer.trainStep();
      if (s >= WARMUP) times.push(r.ms);
    }
    await trainer.dispose();
    results[c.name] = median(times) / 1000;
    console.log(`${c.name.padEnd(30)} ${results[c.name].toFixed(2)} s/step (median of ${STEPS}, batch ${trainer.config.batch})`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
const r = (a: string, b: string) => (results[a] / results[b]).toFixed(2);
console.log(`onnxruntime over tfjs: ${r('tfjs, 1 thread', 'onnxruntime, 1 thread')}x faster with 1 thread, ${r('tfjs, 2 workers', 'onnxruntime, 2 threads')}x with 2 (${os.availableParallelism()} cores)`);
console.log(`second thread: tfjs ${r('tfjs, 1 thread', 'tfjs, 2 workers')}x, onnxruntime ${r('onnxruntime, 1 thread', 'onnxruntime, 2 threads')}x`);
console.log(`cost of the pixel head: ${r('tfjs, 2 workers', 'tfjs, 2 workers, no head')}x the step without a head; of the output conv: ${r('tfjs, 2 workers, output conv', 'tfjs, 2 workers, no head')}x`);
process.exit(0);
