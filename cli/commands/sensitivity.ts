import fs from 'node:fs';
import path from 'node:path';
import { measureScoreSensitivity, measureSensitivity } from '../../lib/compress/measure';
import { readSensitivity } from '../../lib/compress/sensitivity';
import { intFlag, type TCommand, UsageError } from '../framework';

export const sensitivity: TCommand = {
  name: 'sensitivity',
  summary: "Measure how much each block or component matters: replace it with an identity and compare the denoiser's prediction.",
  args: 'MODEL_DIR | ABLATION.json',
  options: {
    level: { type: 'string', description: 'block (default) or component', valueName: 'LEVEL' },
    samples: { type: 'string', description: 'calibration inputs (default 8)', valueName: 'N' },
    seed: { type: 'string', description: 'seed of the calibration latents (default 0)', valueName: 'S' },
    scorer: { type: 'string', description: 'measure the HPS drop of generated images with this CLIP-style scorer instead of the prediction error (slower: images per part)', valueName: 'DIR' },
    steps: { type: 'string', description: 'with --scorer: sampling steps per image (default 8)', valueName: 'S' },
    out: { type: 'string', description: 'also write the result as JSON to this file (input for arena plan)', valueName: 'FILE' },
    json: { type: 'boolean', description: 'print JSON' },
  },
  details: 'MODEL_DIR is a model in the diffusers ONNX layout. A .json file is read as a sensitivity file instead (ours, or the paper\'s SD3.5 ablation in data/hierarchicalprune/) and shown.',
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('give exactly one MODEL_DIR');
    const level = (values.level as string | undefined) ?? 'block';
    if (level !== 'block' && level !== 'component') throw new UsageError(`--level must be block or component (got ${JSON.stringify(level)})`);
    const count = intFlag(values, 'samples', 8, 1, 1000);
    const seed = intFlag(values, 'seed', 0, 0, 2 ** 31 - 1);
    const target = positionals[0];
    let result;
    if (target.endsWith('.json')) {
      result = readSensitivity(target).sensitivity;
    } else {
      if (!fs.existsSync(path.join(target, 'transformer', 'model.onnx'))) throw new UsageError(`${target} has no transformer/model.onnx: is it a model folder in the diffusers ONNX layout?`);
      const onProgress = (done: number, total: number, label: string) => void (!values.json && process.stderr.write(`\r  ${done}/${total} ${label.padEnd(40)}`));
      result = values.scorer
        ? await measureScoreSensitivity(target, { scorerDir: values.scorer as string, level, prompts: count, seed, steps: intFlag(values, 'steps', 8, 1, 500), onProgress })
        : await measureSensitivity(target, { level, count, seed, onProgress });
      if (!values.json) process.stderr.write('\n');
    }
    if (values.out) fs.writeFileSync(values.out as string, JSON.stringify(result, null, 2) + '\n');
    if (values.json) {
      console.log(JSON.stringify(result, null, 2));
      return 0;
    }
    console.log(`${result.model}: ${result.level} sensitivity, ${result.metric}${result.baseline !== null ? ` (baseline ${result.baseline})` : ''}\n${result.source}`);
    for (const e of [...result.entries].sort((a, b) => b.delta - a.delta)) {
      console.log(`  ${`${e.stack}.${e.block}${e.component ? '.' + e.component : ''}`.padEnd(40)} ${e.value.toFixed(4).padStart(10)}  |Δ| ${e.delta.toFixed(4)}  ${(e.params / 1e6).toFixed(3)}M params`);
    }
    return 0;
  },
};
