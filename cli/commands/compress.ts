import { compressBundle, type TCompressReport } from '../../lib/compress/pipeline';
import { readSensitivity } from '../../lib/compress/sensitivity';
import { AppError } from '../../lib/errors';
import { formatBytes } from '../../lib/onnx/io';
import { intFlag, type TCommand, UsageError } from '../framework';

function parseFraction(raw: unknown, flag: string): number {
  const v = Number(raw);
  if (!(typeof raw === 'string' && /^(0?\.\d+|1(\.0*)?|0)$/.test(raw.trim())) || !(v > 0 && v <= 1)) throw new UsageError(`--${flag} must be a fraction in (0, 1], e.g. 0.7 (got ${JSON.stringify(raw)})`);
  return v;
}

export const compress: TCommand = {
  name: 'compress',
  summary: 'Compress a model: plan (or list) blocks to remove, prune, optionally reconstruct and quantise to INT4, and report.',
  args: 'MODEL_DIR',
  options: {
    out: { type: 'string', description: 'folder for the compressed model (required)', valueName: 'DIR' },
    budget: { type: 'string', description: 'keep at most this fraction of the denoiser\'s parameters (HPP plan)', valueName: 'F' },
    'remove-blocks': { type: 'string', description: 'remove exactly these blocks instead, e.g. 25-29,31-35', valueName: 'LIST' },
    'protect-first': { type: 'string', description: 'never touch blocks 0..K-1 (PWP; default 0)', valueName: 'K' },
    range: { type: 'string', description: 'plan only within blocks A-B (inclusive)', valueName: 'A-B' },
    level: { type: 'string', description: 'block (default) or component', valueName: 'LEVEL' },
    ranking: { type: 'string', description: 'paper (default) or code', valueName: 'R' },
    sensitivity: { type: 'string', description: 'use this sensitivity file instead of measuring', valueName: 'FILE' },
    reconstruct: { type: 'boolean', description: 'fit ridge-regression maps over each pruned span' },
    int4: { type: 'boolean', description: 'quantise weights to INT4 (MatMulNBits)' },
    'block-size': { type: 'string', description: 'INT4 block size: 32, 64 (default) or 128', valueName: 'B' },
    asymmetric: { type: 'boolean', description: 'INT4 with zero points' },
    samples: { type: 'string', description: 'calibration inputs (default 8)', valueName: 'N' },
    steps: { type: 'string', description: 'denoiser steps to time before and after (default 10; 0 skips)', valueName: 'N' },
    json: { type: 'boolean', description: 'print the report as JSON' },
  },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('give exactly one MODEL_DIR');
    if (!values.out) throw new UsageError('--out DIR is required');
    if (values.budget !== undefined && values['remove-blocks'] !== undefined) throw new UsageError('give --budget or --remove-blocks, not both');
    const level = (values.level as string | undefined) ?? 'block';
    if (level !== 'block' && level !== 'component') throw new UsageError('--level must be block or component');
    const ranking = (values.ranking as string | undefined) ?? 'paper';
    if (ranking !== 'paper' && ranking !== 'code') throw new UsageError('--ranking must be paper or code');
    let range: [number, number] | undefined;
    if (values.range !== undefined) {
      const m = /^(\d+)-(\d+)$/.exec(String(values.range));
      if (!m) throw new UsageError('--range must look like 20-35');
      range = [Number(m[1]), Number(m[2])];
    }
    const blockSize = intFlag(values, 'block-size', 64, 32, 128);
    if (![32, 64, 128].includes(blockSize)) throw new UsageError('--block-size must be 32, 64 or 128');
    const sensitivity = values.sensitivity ? readSensitivity(values.sensitivity as string).sensitivity : undefined;
    let report: TCompressReport;
    try {
      report = await compressBundle(
        positionals[0],
        values.out as string,
        {
          budget: values.budget === undefined ? undefined : parseFraction(values.budget, 'budget'),
          removeBlocks: values['remove-blocks'] as string | undefined,
          protectFirst: intFlag(values, 'protect-first', 0, 0, 10_000),
          range,
          level,
          ranking,
          reconstruct: Boolean(values.reconstruct),
          int4: values.int4 ? { blockSize: blockSize as 32 | 64 | 128, symmetric: !values.asymmetric } : undefined,
          calibrationSamples: intFlag(values, 'samples', 8, 1, 512),
          latencySteps: intFlag(values, 'steps', 10, 0, 1000),
        },
        { sensitivity, onProgress: (f, m) => void (!values.json && process.stderr.write(`\r  ${Math.round(f * 100)}% ${m.padEnd(60)}`)) },
      );
    } catch (err) {
      if (err instanceof AppError && err.status < 500) throw new UsageError(err.message);
      throw err;
    }
    if (!values.json) process.stderr.write('\n');
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
      return 0;
    }
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    console.log(`Compressed ${report.source} → ${report.output}`);
    if (report.removed.length) console.log(`  removed: ${report.removed.map((r) => `${r.block}${r.component ? '.' + r.component : ''}`).join(', ')}`);
    for (const [name, c] of Object.entries(report.components)) {
      console.log(`  ${name.padEnd(14)} ${(c.before.params / 1e6).toFixed(2)}M → ${(c.after.params / 1e6).toFixed(2)}M params, weights ${formatBytes(c.before.weightBytes)} → ${formatBytes(c.after.weightBytes)}`);
    }
    console.log(`  footprint: −${pct(report.footprintReduction.model)} whole model, −${pct(report.footprintReduction.denoiser)} denoiser`);
    console.log(`  error vs original (held-out calibration): ${report.error.relative.toFixed(4)}`);
    if (report.latency) {
      const { before, after } = report.latency;
      console.log(`  denoiser step (${after.provider}, ${after.threads} thread): ${before.medianMs.toFixed(1)} → ${after.medianMs.toFixed(1)} ms median`);
      console.log(`  memory of a process holding and running it: ${formatBytes(before.rssAfterRunBytes)} → ${formatBytes(after.rssAfterRunBytes)} resident (peak ${formatBytes(before.peakRssBytes)} → ${formatBytes(after.peakRssBytes)})`);
    }
    console.log(`  report: ${report.output}/compress-report.json`);
    return 0;
  },
};
