import path from 'node:path';
import { PipelineError } from '../pipeline-error';
import { alphasCumprod, makeSampler, type TSchedulerConfig } from '../schedulers';
import type { TLayout } from './layout';
import { encodeTexts, firstOutput, floatInput, openParts, readJson, requireNumber, type TFamilyRunner, textEncoder, timestepInput, type TOpenOptions, vaeConfig } from './parts';

/**
 * StableDiffusionPipeline (SD 1.5/2.1): a UNet on [B, 4, h, w] latents conditioned on the CLIP
 * text encoder's `last_hidden_state`, DDIM or Euler on the scaled-linear β schedule the scheduler
 * config declares, classifier-free guidance. A v-prediction model's output is turned into the
 * noise ε the samplers step with: for x_t = √ᾱ·x0 + √(1−ᾱ)·ε and v = √ᾱ·ε − √(1−ᾱ)·x0,
 * ε = √ᾱ·v + √(1−ᾱ)·x_t, where x_t is what the UNet saw (both samplers feed it the VP-scaled latent).
 */
export type TPrediction = 'epsilon' | 'v_prediction';

/** ᾱ_t of the scheduler's β schedule at timestep t (rounded, within the schedule), as the samplers step on it. */
export function alphaCumprod(config: TSchedulerConfig, t: number): number {
  const ac = alphasCumprod(config);
  return ac[Math.min(ac.length - 1, Math.max(0, Math.round(t)))];
}

/** ε from a v-prediction at a step where the model saw x_t and the schedule is at ᾱ. */
export function epsilonFromV(v: Float32Array, xt: Float32Array, alphaBar: number): Float32Array {
  const a = Math.sqrt(alphaBar);
  const s = Math.sqrt(1 - alphaBar);
  const out = new Float32Array(v.length);
  for (let k = 0; k < v.length; k++) out[k] = a * v[k] + s * xt[k];
  return out;
}

export async function openSd15(dir: string, layout: TLayout, opts: TOpenOptions): Promise<TFamilyRunner> {
  const config = readJson(path.join(dir, 'unet', 'config.json'));
  const scheduler = readJson(path.join(dir, 'scheduler', 'scheduler_config.json')) as TSchedulerConfig;
  const prediction = (scheduler.prediction_type ?? 'epsilon') as TPrediction;
  if (prediction !== 'epsilon' && prediction !== 'v_prediction') {
    throw new PipelineError(`${dir}/scheduler/scheduler_config.json: prediction_type ${prediction} is not supported (epsilon and v_prediction are)`);
  }
  // the samplers step on ε; v is converted before they see it
  const epsilonScheduler = { ...scheduler, prediction_type: 'epsilon' };
  makeSampler(epsilonScheduler, 1);
  const vae = vaeConfig(dir);
  const size = requireNumber(config.sample_size, 'unet/config.json sample_size');
  const latentShape: [number, number, number] = [requireNumber(config.in_channels, 'unet/config.json in_channels'), size, size];
  const parts = await openParts(dir, layout, opts);
  try {
    const unet = parts.sessions.unet;
    const clip = textEncoder(dir, layout.parts.find((p) => p.folder === 'text_encoder')!, parts.sessions.text_encoder);
    return {
      family: 'sd15',
      provider: parts.provider,
      latentShape,
      vae: { session: parts.sessions.vae_decoder, scale: vae.scale, shift: vae.shift },
      conditioning: [`text_encoder: last_hidden_state; ${prediction === 'epsilon' ? 'ε' : 'v'}-prediction`],
      classifierFree: true,
      sampler: (steps) => makeSampler(epsilonScheduler, steps),
      async encode(texts) {
        const out = await encodeTexts(clip, texts);
        return { encoder_hidden_states: floatInput(unet, 'encoder_hidden_states', out.last_hidden_state) };
      },
      async predict(latents, batch, t, _guidance, text) {
        const [c, h, w] = latentShape;
        const out = await unet.run({
          sample: floatInput(unet, 'sample', { data: latents, dims: [batch, c, h, w] }),
          timestep: timestepInput(unet, 'timestep', t, batch),
          ...text,
        });
        const pred = firstOutput(unet, out);
        return prediction === 'epsilon' ? pred : epsilonFromV(pred, latents, alphaCumprod(scheduler, t));
      },
      release: parts.release,
    };
  } catch (err) {
    await parts.release();
    throw err;
  }
}
