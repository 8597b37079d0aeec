/**
 * bench/train.ts: seconds per training step of the shapes model (`arena train`'s defaults: 6
 * blocks, hidden 64, batch 32) on tfjs's WebAssembly backend, in one process: one thread against
 * two gradient worker threads (the ratio is what data parallelism buys on this machine), and the
 * heads after the blocks against none: the pixel head (the default) and the residual output conv.
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
  { name: '1 thread, pixel head', workers: 1, outputConv: false, pixelHead: 16 },
  { name: '2 workers, pixel head', workers: 2, outputConv: false, pixelHead: 16 },
  { name: '2 workers, output conv', workers: 2, outputConv: true, pixelHead: 0 },
  { name: '2 workers, neither', workers: 2, outputConv: false, pixelHead: 0 },
];
const results: Record<string, number> = {};
try {
  for (const [i, c] of configs.entries()) {
    const trainer = await Trainer.create({ outputConv: c.outputConv, pixelHead: c.pixelHead }, path.join(tmp, String(i)), { workers: c.workers });
    const times: number[] = [];
    for (let s = 0; s < WARMUP + STEPS; s++) {
      const r = await trainer.trainStep();
      if (s >= WARMUP) times.push(r.ms);
    }
    await trainer.dispose();
    results[c.name] = median(times) / 1000;
    console.log(`${c.name.padEnd(26)} ${results[c.name].toFixed(2)} s/step (median of ${STEPS}, batch ${trainer.config.batch})`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
const r = (a: string, b: string) => (results[a] / results[b]).toFixed(2);
console.log(`speed-up of 2 workers over 1 thread: ${r('1 thread, pixel head', '2 workers, pixel head')}x (${os.availableParallelism()} cores)`);
console.log(`cost of the pixel head: ${r('2 workers, pixel head', '2 workers, neither')}x the step without a head; of the output conv: ${r('2 workers, output conv', '2 workers, neither')}x`);
process.exit(0);
