/**
 * How far a shapes model's denoising is from the best possible, by noise level (ideal-denoiser.ts):
 * its velocity error and the ideal denoiser's on the same noised single-object scenes.
 *
 *   npx tsx lib/train/denoise-gap.ts MODEL_DIR [MODEL_DIR...] [--per-band 24] [--json]
 */
import { parseArgs } from 'node:util';
import { GAP_BANDS, measureDenoiseGap, onnxVelocityModel, type TGapRow } from './ideal-denoiser';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'per-band': { type: 'string', default: '24' }, json: { type: 'boolean', default: false } } });
const perBand = Number(values['per-band']);
if (!positionals.length) throw new Error('usage: npx tsx lib/train/denoise-gap.ts MODEL_DIR [MODEL_DIR...] [--per-band 24] [--json]');
if (!Number.isInteger(perBand) || perBand < 1) throw new Error(`--per-band must be a whole number of at least 1 (got ${values['per-band']})`);

const results: { model: string; rows: TGapRow[] }[] = [];
for (const dir of positionals) {
  const m = await onnxVelocityModel(dir);
  results.push({ model: dir, rows: await measureDenoiseGap(m.predict, { perBand }) });
  await m.release();
}
if (values.json) console.log(JSON.stringify(results, null, 2));
else {
  for (const { model, rows } of results) {
    console.log(`${model}: velocity MSE (RGB) of the model / the ideal denoiser, ${perBand} noised scenes per cell`);
    const prompts = [...new Set(rows.map((r) => r.prompt))];
    console.log(['σ band', ...prompts, 'mean excess'].join(' | '));
    for (const band of GAP_BANDS) {
      const cells = rows.filter((r) => r.band[0] === band[0]);
      const excess = cells.reduce((s, r) => s + r.model - r.ideal, 0) / cells.length;
      console.log([`${band[0]}-${band[1]}`, ...cells.map((r) => `${r.model.toFixed(4)} / ${r.ideal.toFixed(4)}`), excess.toFixed(4)].join(' | '));
    }
  }
}
process.exit(0);
