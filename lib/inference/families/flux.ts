import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { PipelineError } from '../pipeline-error';
import { flowMatchSampler, type Sampler, shiftSigmas, stochasticSampling, type TSchedulerConfig } from '../schedulers';
import type { TLayout } from './layout';
import { declaredRank, encodeTexts, floatInput, openParts, readArray, readJson, requireNumber, type TFamilyRunner, textEncoder, type TOpenOptions, vaeConfig } from './parts';

/**
 * FluxPipeline (FLUX.1): the transformer sees the latent as a sequence of 2x2 patches
 * ([B, (h/2)(w/2), 4c], packed as diffusers' `_pack_latents` does) with position ids per patch
 * (`img_ids`: 0, row, column) and per text token (`txt_ids`: zeros); the text is T5's
 * `last_hidden_state` (text_encoder_2), the pooled vector CLIP's `pooler_output` (text_encoder).
 * The timestep input is σ (t / 1000). Guidance-distilled models (FLUX.1-dev) take the guidance
 * scale as an input; there is no negative batch. Models without that input (schnell) ignore it.
 * The sampler is flow-matching Euler on FLUX's sigmas: linspace(1, 1/steps), shifted by the
 * scheduler's fixed shift or, with use_dynamic_shifting, by exp(μ) with μ growing linearly with
 * the number of image patches.
 */
export type TFluxSchedulerConfig = TSchedulerConfig & {
  use_dynamic_shifting?: boolean;
  base_shift?: number;
  max_shift?: number;
  base_image_seq_len?: number;
  max_image_seq_len?: number;
};

/** [B, C, H, W] → [B, (H/2)(W/2), 4C]: patch (i, j) holds channel c's 2x2 block at c·4 + 2·di + dj. */
export function packLatents(x: Float32Array, batch: number, channels: number, height: number, width: number): Float32Array {
  const [h2, w2] = [height / 2, width / 2];
  const out = new Float32Array(x.length);
  for (let b = 0; b < batch; b++)
    for (let c = 0; c < channels; c++)
      for (let y = 0; y < height; y++)
        for (let xx = 0; xx < width; xx++) {
          const patch = (y >> 1) * w2 + (xx >> 1);
          const feature = c * 4 + (y & 1) * 2 + (xx & 1);
          out[(b * h2 * w2 + patch) * channels * 4 + feature] = x[((b * channels + c) * height + y) * width + xx];
        }
  return out;
}

/** The inverse of packLatents. */
export function unpackLatents(p: Float32Array, batch: number, channels: number, height: number, width: number): Float32Array {
  const [h2, w2] = [height / 2, width / 2];
  const out = new Float32Array(p.length);
  for (let b = 0; b < batch; b++)
    for (let c = 0; c < channels; c++)
      for (let y = 0; y < height; y++)
        for (let xx = 0; xx < width; xx++) {
          const patch = (y >> 1) * w2 + (xx >> 1);
          const feature = c * 4 + (y & 1) * 2 + (xx & 1);
          out[((b * channels + c) * height + y) * width + xx] = p[(b * h2 * w2 + patch) * channels * 4 + feature];
        }
  return out;
}

/** Position ids of the packed latent's patches, row-major: [0, row, column]. */
export function latentImageIds(height: number, width: number): Float32Array {
  const [h2, w2] = [height / 2, width / 2];
  const ids = new Float32Array(h2 * w2 * 3);
  for (let i = 0; i < h2; i++)
    for (let j = 0; j < w2; j++) {
      ids[(i * w2 + j) * 3 + 1] = i;
      ids[(i * w2 + j) * 3 + 2] = j;
    }
  return ids;
}

/** The shift FLUX's scheduler applies for an image of `imageSeqLen` patches. */
export function fluxShift(config: TFluxSchedulerConfig, imageSeqLen: number): number {
  if (!config.use_dynamic_shifting) return config.shift ?? 1;
  const [baseLen, maxLen] = [config.base_image_seq_len ?? 256, config.max_image_seq_len ?? 4096];
  const [baseShift, maxShift] = [config.base_shift ?? 0.5, config.max_shift ?? 1.15];
  const m = (maxShift - baseShift) / (maxLen - baseLen);
  const mu = imageSeqLen * m + (baseShift - m * baseLen);
  return Math.exp(mu);
}

export function fluxSampler(config: TFluxSchedulerConfig, steps: number, imageSeqLen: number): Sampler {
  if (config._class_name !== 'FlowMatchEulerDiscreteScheduler') throw new PipelineError(`a FLUX bundle needs FlowMatchEulerDiscreteScheduler (got ${config._class_name})`);
  if (!Number.isInteger(steps) || steps < 1) throw new PipelineError(`steps must be a whole number of at least 1 (got ${steps})`);
  const T = config.num_train_timesteps ?? 1000;
  const s = fluxShift(config, imageSeqLen);
  const raw = Array.from({ length: steps }, (_, i) => (steps === 1 ? 1 : 1 + ((1 / steps - 1) * i) / (steps - 1)));
  return flowMatchSampler(`flow-match Euler (FLUX sigmas, shift ${Number(s.toFixed(4))}${config.use_dynamic_shifting ? ', dynamic' : ''})`, shiftSigmas(raw, s), T, { stochastic: stochasticSampling(config) });
}

export async function openFlux(dir: string, layout: TLayout, opts: TOpenOptions): Promise<TFamilyRunner> {
  const config = readJson(path.join(dir, 'transformer', 'config.json'));
  const scheduler = readJson(path.join(dir, 'scheduler', 'scheduler_config.json')) as TFluxSchedulerConfig;
  const inChannels = requireNumber(config.in_channels, 'transformer/config.json in_channels');
  if (inChannels % 4 !== 0) throw new PipelineError(`${dir}: transformer in_channels ${inChannels} is not 4 x the latent channels of 2x2 packed patches`);
  const vae = vaeConfig(dir);
  // diffusers: 2 * (image side // (vae factor * 2)), from FLUX's default 1024-pixel images when the VAE config does not say
  const side = 2 * Math.floor((vae.sampleSize ?? 1024) / (vae.factor * 2));
  if (side < 2) throw new PipelineError(`${dir}: the VAE config's sample_size ${vae.sampleSize} is too small for a packed latent`);
  const latentShape: [number, number, number] = [inChannels / 4, side, side];
  const patches = (side / 2) * (side / 2);
  fluxSampler(scheduler, 1, patches);
  const parts = await openParts(dir, layout, opts);
  try {
    const denoiser = parts.sessions.transformer;
    const part = (folder: string) => layout.parts.find((p) => p.folder === folder)!;
    const clip = textEncoder(dir, part('text_encoder'), parts.sessions.text_encoder);
    const hasGuidance = denoiser.inputNames.includes('guidance');
    // Black Forest Labs' T5 lengths: 512 tokens for the guidance-distilled dev model, 256 for schnell
    const t5 = textEncoder(dir, part('text_encoder_2'), parts.sessions.text_encoder_2, hasGuidance ? 512 : 256);
    const pooledName = clip.session.outputNames.includes('pooler_output') ? 'pooler_output' : 'text_embeds';
    // exports before diffusers 0.31 have a batch axis on the ids
    const ids = (name: string, data: Float32Array, rows: number) => floatInput(denoiser, name, { data, dims: declaredRank(denoiser, name) === 3 ? [1, rows, 3] : [rows, 3] });
    const imgIds = ids('img_ids', latentImageIds(side, side), patches);
    return {
      family: 'flux',
      provider: parts.provider,
      latentShape,
      vae: { session: parts.sessions.vae_decoder, scale: vae.scale, shift: vae.shift },
      conditioning: [`text_encoder: ${pooledName}`, `text_encoder_2: last_hidden_state (${t5.tokenizer.maxLength} tokens)`, hasGuidance ? 'guidance: model input (distilled)' : 'guidance: none (the model has no guidance input)'],
      classifierFree: false,
      sampler: (steps) => fluxSampler(scheduler, steps, patches),
      async encode(texts) {
        const pooled = (await encodeTexts(clip, texts))[pooledName];
        const states = (await encodeTexts(t5, texts)).last_hidden_state;
        return {
          encoder_hidden_states: floatInput(denoiser, 'encoder_hidden_states', states),
          pooled_projections: floatInput(denoiser, 'pooled_projections', pooled),
          txt_ids: ids('txt_ids', new Float32Array(states.dims[1] * 3), states.dims[1]),
        };
      },
      async predict(latents, batch, t, guidance, text) {
        const [c, h, w] = latentShape;
        const feeds: Record<string, ort.Tensor> = {
          hidden_states: floatInput(denoiser, 'hidden_states', { data: packLatents(latents, batch, c, h, w), dims: [batch, patches, 4 * c] }),
          timestep: floatInput(denoiser, 'timestep', { data: new Float32Array(batch).fill(t / 1000), dims: [batch] }),
          img_ids: imgIds,
          ...text,
        };
        if (hasGuidance) feeds.guidance = floatInput(denoiser, 'guidance', { data: new Float32Array(batch).fill(guidance), dims: [batch] });
        const out = await denoiser.run(feeds);
        return unpackLatents(readArray(out[denoiser.outputNames[0]] as ort.Tensor).data, batch, c, h, w);
      },
      release: parts.release,
    };
  } catch (err) {
    await parts.release();
    throw err;
  }
}
