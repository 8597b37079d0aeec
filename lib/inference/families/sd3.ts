import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { PipelineError } from '../pipeline-error';
import { makeSampler, type TSchedulerConfig } from '../schedulers';
import type { TLayout } from './layout';
import { declaredWidth, encodeTexts, firstOutput, floatInput, openParts, readJson, requireNumber, type TArray, type TFamilyRunner, textEncoder, timestepInput, type TOpenOptions, type TTextEncoder, vaeConfig } from './parts';
import { concatAxis, padLastAxis, zeros } from './tensors';

/**
 * StableDiffusion3Pipeline: an MMDiT denoiser on [B, C, H, W] latents, flow-matching sampler.
 * Text conditioning as diffusers builds it with three encoders: the CLIP-L and CLIP-G token
 * states (the penultimate hidden state, `hidden_states[-2]`) joined on the feature axis,
 * zero-padded to T5's width and followed by T5's `last_hidden_state` on the sequence axis; the
 * pooled embedding is CLIP-L's and CLIP-G's `text_embeds` side by side. Without T5, zeros of
 * CLIP's length and the transformer's text width stand in for it. A bundle with one CLIP encoder
 * (the fixture) feeds its states and `text_embeds` directly.
 */

/**
 * Which CLIP output holds the token states: the penultimate hidden state when the export has the
 * `hidden_states.N` outputs (N = 0 is the embeddings, so it is the second-highest N), otherwise
 * `last_hidden_state` (after the final layer norm: not what diffusers feeds, but the nearest).
 */
export function clipStatesOutput(outputNames: readonly string[]): { name: string; penultimate: boolean } {
  const hidden = outputNames
    .map((n) => /^hidden_states\.(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[0], index: Number(m[1]) }))
    .sort((a, b) => a.index - b.index);
  if (hidden.length >= 2) return { name: hidden[hidden.length - 2].name, penultimate: true };
  return { name: 'last_hidden_state', penultimate: false };
}

/** Token states [B, Lc + Lt, Dt] and pooled [B, Pl + Pg] from CLIP-L, CLIP-G and T5 (or its zeros). */
export function joinSd3Embeddings(clipStates: TArray[], clipPooled: TArray[], t5: TArray): { states: TArray; pooled: TArray } {
  const clip = concatAxis(clipStates, -1);
  const width = t5.dims[t5.dims.length - 1];
  if (clip.dims[clip.dims.length - 1] > width) {
    throw new PipelineError(`the CLIP token states are ${clip.dims[clip.dims.length - 1]} wide together, wider than T5's ${width}: they cannot be padded to it`);
  }
  return { states: concatAxis([padLastAxis(clip, width), t5], 1), pooled: concatAxis(clipPooled, -1) };
}

/** diffusers' max_sequence_length for SD3's T5 (its tokenizer allows 512). */
const T5_TOKENS = 256;

export async function openSd3(dir: string, layout: TLayout, opts: TOpenOptions): Promise<TFamilyRunner> {
  const config = readJson(path.join(dir, 'transformer', 'config.json'));
  const scheduler = readJson(path.join(dir, 'scheduler', 'scheduler_config.json')) as TSchedulerConfig;
  makeSampler(scheduler, 1);
  const vae = vaeConfig(dir);
  const latentShape: [number, number, number] = [
    requireNumber(config.in_channels, 'transformer/config.json in_channels'),
    requireNumber(config.sample_size, 'transformer/config.json sample_size'),
    requireNumber(config.sample_size, 'transformer/config.json sample_size'),
  ];
  const parts = await openParts(dir, layout, opts);
  try {
    const denoiser = parts.sessions.transformer;
    const encoder = (folder: string, defaultLength?: number) => {
      const part = layout.parts.find((p) => p.folder === folder);
      return part ? textEncoder(dir, part, parts.sessions[folder], defaultLength) : null;
    };
    const clipL = encoder('text_encoder')!;
    const clipG = encoder('text_encoder_2');
    const t5 = encoder('text_encoder_3', T5_TOKENS);
    const statesOf = (e: TTextEncoder) => clipStatesOutput(e.session.outputNames);
    const describe = (e: TTextEncoder) => `${e.folder}: ${statesOf(e).name}${statesOf(e).penultimate ? ' (penultimate hidden state)' : ''} + text_embeds`;
    const t5Width = declaredWidth(denoiser, 'encoder_hidden_states') ?? config.joint_attention_dim;
    const conditioning = clipG
      ? [describe(clipL), describe(clipG), t5 ? `text_encoder_3: last_hidden_state (${t5.tokenizer.maxLength} tokens)` : `text_encoder_3: absent, zeros [${clipL.tokenizer.maxLength} x ${t5Width}] as diffusers uses`]
      : [describe(clipL)];
    if (clipG && !t5 && !(t5Width > 0)) throw new PipelineError(`${dir}: without text_encoder_3 the T5 states are zeros as wide as the transformer's text input, but neither transformer/model.onnx nor its config (joint_attention_dim) says how wide that is`);

    const clipOutputs = async (e: TTextEncoder, texts: string[]) => {
      const out = await encodeTexts(e, texts);
      const states = out[statesOf(e).name];
      if (!states || !out.text_embeds) throw new PipelineError(`${e.folder}/model.onnx gave no ${states ? 'text_embeds' : statesOf(e).name} output`);
      return { states, pooled: out.text_embeds };
    };

    return {
      family: 'sd3',
      provider: parts.provider,
      latentShape,
      vae: { session: parts.sessions.vae_decoder, scale: vae.scale, shift: vae.shift },
      conditioning,
      classifierFree: true,
      sampler: (steps) => makeSampler(scheduler, steps),
      async encode(texts) {
        const l = await clipOutputs(clipL, texts);
        let joined = l;
        if (clipG) {
          const g = await clipOutputs(clipG, texts);
          const t5States = t5 ? (await encodeTexts(t5, texts)).last_hidden_state : zeros([texts.length, clipL.tokenizer.maxLength, t5Width]);
          joined = joinSd3Embeddings([l.states, g.states], [l.pooled, g.pooled], t5States);
        }
        return { encoder_hidden_states: floatInput(denoiser, 'encoder_hidden_states', joined.states), pooled_projections: floatInput(denoiser, 'pooled_projections', joined.pooled) };
      },
      async predict(latents, batch, t, _guidance, text: Record<string, ort.Tensor>) {
        const [c, h, w] = latentShape;
        const out = await denoiser.run({
          hidden_states: floatInput(denoiser, 'hidden_states', { data: latents, dims: [batch, c, h, w] }),
          ...text,
          timestep: timestepInput(denoiser, 'timestep', t, batch),
        });
        return firstOutput(denoiser, out);
      },
      release: parts.release,
    };
  } catch (err) {
    await parts.release();
    throw err;
  }
}
