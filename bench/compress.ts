/**
 * bench/compress.ts: on the fixture at two sizes,
 * - INT4 quantisation throughput (float bytes quantised per second) next to a plain copy of the
 *   same bytes in the same run (ratio),
 * - file and weight-memory reduction and the denoiser's peak RSS at a paper-like recipe
 *   (keep ~72% of parameters, protect the first third, INT4 block 64),
 * - denoiser step latency before and after pruning alone, and after pruning + INT4 (same run).
 *
 *   npx tsx bench/compress.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compressBundle } from '../lib/compress/pipeline';
import { quantizeInt4 } from '../lib/compress/int4';
import { writeFixtureBundle } from '../lib/fixtures/bundle';
import { allTensors, formatBytes, readModel } from '../lib/onnx/io';

const SIZES = [
  { label: 'fixture 12 x 64', blocks: 12, hidden: 64 },
  { label: 'fixture 12 x 256', blocks: 12, hidden: 256 },
];

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-bench-compress-'));
  console.log(`compress benchmark: ${os.cpus().length} cores, ${os.cpus()[0]?.model}, node ${process.version}`);
  try {
    for (const size of SIZES) {
      const src = path.join(root, `${size.hidden}`);
      writeFixtureBundle(src, { blocks: size.blocks, hidden: size.hidden });
      const model = readModel(path.join(src, 'transformer', 'model.onnx')).proto;
      const floatBytes = [...allTensors(model)].filter((t) => t.dataType === 1).reduce((s, t) => s + t.rawData.length, 0);

      // quantisation vs a plain copy of the same float bytes, 3 runs each, medians
      const q: number[] = [];
      const c: number[] = [];
      for (let r = 0; r < 3; r++) {
        let t = performance.now();
        quantizeInt4(model, { blockSize: 64, symmetric: true, minElements: 0 });
        q.push(performance.now() - t);
        t = performance.now();
        // Uint8Array.prototype.slice copies (a Buffer's own slice() would only make a view)
        for (const tensor of allTensors(model)) if (tensor.dataType === 1) Uint8Array.prototype.slice.call(tensor.rawData);
        c.push(performance.now() - t);
      }
      const qRate = floatBytes / (median(q) / 1000);
      const cRate = floatBytes / (median(c) / 1000);

      const recipe = { protectFirst: Math.floor(size.blocks / 3), calibrationSamples: 4, latencySteps: 20 };
      const pruned = await compressBundle(src, path.join(root, `${size.hidden}-pruned`), { ...recipe, budget: 0.72 });
      const both = await compressBundle(src, path.join(root, `${size.hidden}-pruned-int4`), { ...recipe, budget: 0.72, int4: { blockSize: 64 } });
      const lat = (r: typeof pruned) => r.latency!;

      console.log(`\n${size.label}: ${(pruned.components.transformer.before.params / 1e6).toFixed(2)}M denoiser parameters, ${formatBytes(floatBytes)} float weights`);
      console.log(`  INT4 quantisation: ${formatBytes(qRate)}/s vs plain copy ${formatBytes(cRate)}/s (copy is ${(cRate / qRate).toFixed(0)}x faster)`);
      console.log(`  prune to 72% (removed ${pruned.removed.map((r) => r.block).join(', ')}): denoiser weights -${(pruned.footprintReduction.denoiser * 100).toFixed(1)}%, error ${pruned.error.relative.toFixed(4)}`);
      console.log(`  prune + INT4 b64: denoiser weights -${(both.footprintReduction.denoiser * 100).toFixed(1)}%, whole model -${(both.footprintReduction.model * 100).toFixed(1)}%, files ${formatBytes(both.total.before.bytesOnDisk)} -> ${formatBytes(both.total.after.bytesOnDisk)}, error ${both.error.relative.toFixed(4)}`);
      console.log(`  denoiser step (cpu, 1 thread, median of 20; each ratio against the original timed in the same run): original ${lat(pruned).before.medianMs.toFixed(2)} ms, pruned ${lat(pruned).after.medianMs.toFixed(2)} ms (${(lat(pruned).after.medianMs / lat(pruned).before.medianMs).toFixed(2)}x), pruned+INT4 ${lat(both).after.medianMs.toFixed(2)} ms (${(lat(both).after.medianMs / lat(both).before.medianMs).toFixed(2)}x)`);
      console.log(`  memory of a process holding and running the denoiser: ${formatBytes(lat(both).before.rssAfterRunBytes)} -> ${formatBytes(lat(both).after.rssAfterRunBytes)} resident, peak ${formatBytes(lat(both).before.peakRssBytes)} -> ${formatBytes(lat(both).after.peakRssBytes)} (Node alone: ${formatBytes(lat(both).before.rssBeforeBytes)})`);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
