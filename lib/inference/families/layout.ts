import fs from 'node:fs';
import path from 'node:path';

/**
 * The bundle families the pipeline runs, told apart by model_index.json's `_class_name` (files
 * decide when it has none), and what each needs: which component folders, and the inputs and
 * outputs (names and ranks) the pipeline feeds and reads, as optimum exports them. Upload
 * validation checks bundles against the same contract the pipeline runs on.
 */
export type TFamilyName = 'sd3' | 'sd15' | 'flux';

export const PIPELINE_CLASSES: Record<string, TFamilyName> = {
  StableDiffusion3Pipeline: 'sd3',
  StableDiffusionPipeline: 'sd15',
  FluxPipeline: 'flux',
};

/** One input or output: any of `names` (an empty list: the model's first output, whatever its name), one of `ranks`. */
export type TPort = { names: string[]; ranks: number[]; optional?: boolean };

export type TPart = {
  folder: string;
  role: string;
  /** The tokenizer folder that feeds it (text encoders). */
  tokenizer?: string;
  inputs: TPort[];
  outputs: TPort[];
};

export type TLayout = { family: TFamilyName; className: string; denoiser: string; parts: TPart[] };

const port = (name: string | string[], ranks: number | number[], optional = false): TPort => ({
  names: typeof name === 'string' ? [name] : name,
  ranks: typeof ranks === 'number' ? [ranks] : ranks,
  ...(optional ? { optional } : {}),
});
const firstOutput = (rank: number): TPort => ({ names: [], ranks: [rank] });

const vaeDecoder: TPart = { folder: 'vae_decoder', role: 'the VAE decoder', inputs: [port('latent_sample', 4)], outputs: [firstOutput(4)] };
const clipWithProjection = (folder: string, tokenizer: string, role: string): TPart => ({
  folder,
  role,
  tokenizer,
  inputs: [port('input_ids', 2)],
  outputs: [port('last_hidden_state', 3), port('text_embeds', 2)],
});
const t5 = (folder: string, tokenizer: string): TPart => ({ folder, role: 'the T5 text encoder', tokenizer, inputs: [port('input_ids', 2)], outputs: [port('last_hidden_state', 3)] });

export const hasModel = (dir: string, folder: string) => fs.existsSync(path.join(dir, folder, 'model.onnx'));

/** The parts a bundle of this family needs, given which optional parts it has. */
export function familyParts(family: TFamilyName, dir: string): TPart[] {
  switch (family) {
    case 'sd3': {
      const transformer: TPart = {
        folder: 'transformer',
        role: 'the SD3 transformer, the denoiser',
        inputs: [port('hidden_states', 4), port('encoder_hidden_states', 3), port('pooled_projections', 2), port('timestep', 1)],
        outputs: [firstOutput(4)],
      };
      const parts = [transformer, clipWithProjection('text_encoder', 'tokenizer', 'the CLIP-L text encoder')];
      // three encoders when any of the others is there; T5 alone may be left out (diffusers feeds zeros)
      if (hasModel(dir, 'text_encoder_2') || hasModel(dir, 'text_encoder_3')) parts.push(clipWithProjection('text_encoder_2', 'tokenizer_2', 'the CLIP-G text encoder'));
      if (hasModel(dir, 'text_encoder_3')) parts.push(t5('text_encoder_3', 'tokenizer_3'));
      return [...parts, vaeDecoder];
    }
    case 'sd15':
      return [
        {
          folder: 'unet',
          role: 'the UNet, the denoiser',
          // optimum exports the timestep as a scalar; older exports as [batch]
          inputs: [port('sample', 4), port('timestep', [0, 1]), port('encoder_hidden_states', 3)],
          outputs: [firstOutput(4)],
        },
        { folder: 'text_encoder', role: 'the CLIP text encoder', tokenizer: 'tokenizer', inputs: [port('input_ids', 2)], outputs: [port('last_hidden_state', 3)] },
        vaeDecoder,
      ];
    case 'flux':
      return [
        {
          folder: 'transformer',
          role: 'the FLUX transformer, the denoiser',
          // diffusers >= 0.31 exports the ids without a batch axis, older exports with one
          inputs: [
            port('hidden_states', 3),
            port('encoder_hidden_states', 3),
            port('pooled_projections', 2),
            port('timestep', 1),
            port('img_ids', [2, 3]),
            port('txt_ids', [2, 3]),
            port('guidance', 1, true),
          ],
          outputs: [firstOutput(3)],
        },
        { folder: 'text_encoder', role: 'the CLIP text encoder', tokenizer: 'tokenizer', inputs: [port('input_ids', 2)], outputs: [port(['pooler_output', 'text_embeds'], 2)] },
        t5('text_encoder_2', 'tokenizer_2'),
        vaeDecoder,
      ];
  }
}

export type TDetected = { ok: true; layout: TLayout } | { ok: false; problem: string };

/**
 * Which family a bundle is: model_index.json's `_class_name` (ONNX exports may prefix it with
 * Onnx or ORT), or without one, the files (unet/ → SD 1.5/2.1; a FluxTransformer2DModel
 * config → FLUX; transformer/ → SD3).
 */
export function detectLayout(dir: string): TDetected {
  let index: { _class_name?: unknown };
  try {
    index = JSON.parse(fs.readFileSync(path.join(dir, 'model_index.json'), 'utf8'));
  } catch (err) {
    return { ok: false, problem: `model_index.json cannot be read (${(err as Error).message})` };
  }
  let family: TFamilyName | undefined;
  let className: string;
  if (typeof index._class_name === 'string') {
    className = index._class_name;
    family = PIPELINE_CLASSES[className.replace(/^(Onnx|ORT)/, '')];
    if (!family) {
      const supported = Object.keys(PIPELINE_CLASSES).join(', ');
      return { ok: false, problem: `model_index.json declares the pipeline ${className}, which is not supported (${supported} are)` };
    }
  } else {
    family = hasModel(dir, 'unet') ? 'sd15' : transformerClass(dir) === 'FluxTransformer2DModel' ? 'flux' : hasModel(dir, 'transformer') ? 'sd3' : undefined;
    if (!family) return { ok: false, problem: 'model_index.json names no pipeline (_class_name) and there is no unet/model.onnx or transformer/model.onnx to tell it by' };
    className = Object.keys(PIPELINE_CLASSES).find((k) => PIPELINE_CLASSES[k] === family)!;
  }
  return { ok: true, layout: { family, className, denoiser: family === 'sd15' ? 'unet' : 'transformer', parts: familyParts(family, dir) } };
}

function transformerClass(dir: string): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'transformer', 'config.json'), 'utf8'))._class_name;
  } catch {
    return undefined;
  }
}

/** Files the pipeline opens that are not there, each named with what it is. */
export function missingFiles(dir: string, layout: TLayout): string[] {
  const missing: string[] = [];
  for (const part of layout.parts) {
    if (!hasModel(dir, part.folder)) missing.push(`${part.folder}/model.onnx (${part.role})`);
    if (part.tokenizer && !fs.existsSync(path.join(dir, part.tokenizer))) missing.push(`${part.tokenizer}/ (the tokenizer of ${part.folder})`);
  }
  if (!fs.existsSync(path.join(dir, 'scheduler', 'scheduler_config.json'))) missing.push('scheduler/scheduler_config.json (the sampler)');
  if (!fs.existsSync(path.join(dir, layout.denoiser, 'config.json'))) missing.push(`${layout.denoiser}/config.json (the denoiser's latent size and channels)`);
  return missing;
}

/** Where a port of a component does not match what the pipeline feeds or reads. */
export function interfaceProblems(part: TPart, actual: { inputs: { name: string; shape: unknown[] | null }[]; outputs: { name: string; shape: unknown[] | null }[] }): string[] {
  const file = `${part.folder}/model.onnx`;
  const problems: string[] = [];
  const check = (kind: 'input' | 'output', want: TPort, have: { name: string; shape: unknown[] | null }[]) => {
    const got = want.names.length === 0 ? have[0] : have.find((h) => want.names.includes(h.name));
    if (!got) {
      if (want.optional) return;
      if (want.names.length === 0) problems.push(`${file} has no outputs`);
      else problems.push(`${file} has no ${kind} ${want.names.map((n) => `"${n}"`).join(' or ')} (it has ${have.map((h) => h.name).join(', ') || 'none'})`);
      return;
    }
    if (got.shape && !want.ranks.includes(got.shape.length)) {
      problems.push(`${file} ${kind} "${got.name}" has rank ${got.shape.length}, expected ${want.ranks.join(' or ')}`);
    }
  };
  for (const want of part.inputs) check('input', want, actual.inputs);
  for (const want of part.outputs) check('output', want, actual.outputs);
  const fed = new Set(part.inputs.flatMap((p) => p.names));
  const unfed = actual.inputs.filter((i) => !fed.has(i.name)).map((i) => `"${i.name}"`);
  if (unfed.length) problems.push(`${file} takes ${unfed.join(', ')}, which the pipeline does not feed`);
  return problems;
}
