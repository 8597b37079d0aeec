import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { floatToHalf, halfToFloat } from '../../onnx/tensor';
import { PipelineError } from '../pipeline-error';
import type { Sampler } from '../schedulers';
import { openSession, type TProvider } from '../session';
import { loadTokenizer, type TTokenizer } from '../tokenizer';
import { interfaceProblems, type TFamilyName, type TLayout, type TPart } from './layout';

/**
 * What every family shares: opening a bundle's sessions, running its text encoders, and moving
 * float data in and out of onnxruntime in the dtype each model declares (float16 exports too).
 */
export type TOpenOptions = { providers?: TProvider[]; threads?: number };

/** A float tensor as plain data in C order. */
export type TArray = { data: Float32Array; dims: number[] };

/** One family's way through a bundle; the pipeline runs the loop (noise, sampler, guidance, VAE) around it. */
export interface TFamilyRunner {
  readonly family: TFamilyName;
  readonly provider: TProvider;
  /** [channels, height, width] of the latent the sampler steps (FLUX: before packing). */
  readonly latentShape: [number, number, number];
  readonly vae: { session: ort.InferenceSession; scale: number; shift: number };
  /** Which encoder outputs condition the denoiser, for the record. */
  readonly conditioning: string[];
  /** Whether guidance > 1 means classifier-free guidance on a [negative, positive] batch; false when the model takes guidance as an input (FLUX). */
  readonly classifierFree: boolean;
  sampler(steps: number): Sampler;
  /** The denoiser's text inputs for a batch of prompts. */
  encode(texts: string[]): Promise<Record<string, ort.Tensor>>;
  /** The denoiser's output for `batch` copies of a latent [batch, c, h, w], in the sampler's parameterisation and the latent's layout. */
  predict(latents: Float32Array, batch: number, t: number, guidance: number, text: Record<string, ort.Tensor>): Promise<Float32Array>;
  release(): Promise<void>;
}

export function readJson(file: string) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PipelineError(`${file}: ${(err as Error).message}`);
  }
}

export const readJsonIfExists = (file: string) => (fs.existsSync(file) ? readJson(file) : {});

export type TParts = { provider: TProvider; sessions: Record<string, ort.InferenceSession>; release(): Promise<void> };

/** Opens the denoiser first (it decides the execution provider), then every other part on that provider. */
export async function openParts(dir: string, layout: TLayout, opts: TOpenOptions): Promise<TParts> {
  const denoiser = await openSession(path.join(dir, layout.denoiser, 'model.onnx'), opts);
  const sessions: Record<string, ort.InferenceSession> = { [layout.denoiser]: denoiser.session };
  const release = async () => {
    for (const s of Object.values(sessions)) await s.release();
  };
  try {
    for (const part of layout.parts) {
      if (part.folder !== layout.denoiser) sessions[part.folder] = (await openSession(path.join(dir, part.folder, 'model.onnx'), { ...opts, providers: [denoiser.provider] })).session;
    }
    const problems = layout.parts.flatMap((part) => interfaceProblems(part, { inputs: ports(sessions[part.folder].inputMetadata), outputs: ports(sessions[part.folder].outputMetadata) }));
    if (problems.length) throw new PipelineError(`${dir} does not fit ${layout.className}: ${problems.join('; ')}`);
  } catch (err) {
    await release();
    throw err;
  }
  return { provider: denoiser.provider, sessions, release };
}

// onnxruntime reports an unknown shape as [], like a scalar's: leave ranks it cannot tell unchecked
const ports = (meta: readonly ort.InferenceSession.ValueMetadata[]) => meta.map((m) => ({ name: m.name, shape: m.isTensor && m.shape.length ? [...m.shape] : null }));

function tensorMetadata(session: ort.InferenceSession, name: string, kind: 'input' | 'output' = 'input') {
  const m = (kind === 'input' ? session.inputMetadata : session.outputMetadata).find((v) => v.name === name);
  return m?.isTensor ? m : undefined;
}

/** The declared size of a value's last axis, when the export fixed it. */
export function declaredWidth(session: ort.InferenceSession, name: string, kind: 'input' | 'output' = 'input'): number | undefined {
  const shape = tensorMetadata(session, name, kind)?.shape;
  const last = shape?.[shape.length - 1];
  return typeof last === 'number' && last > 0 ? last : undefined;
}

export function declaredRank(session: ort.InferenceSession, name: string): number | undefined {
  return tensorMetadata(session, name)?.shape.length;
}

/** A float input in the dtype the model declares (float32, or float16 for half-precision exports). */
export function floatInput(session: ort.InferenceSession, name: string, a: TArray): ort.Tensor {
  if (tensorMetadata(session, name)?.type === 'float16') return new ort.Tensor('float16', Uint16Array.from(a.data, floatToHalf), a.dims);
  return new ort.Tensor('float32', a.data, a.dims);
}

export function readArray(t: ort.Tensor): TArray {
  const dims = t.dims.map(Number);
  if (t.type === 'float32') return { data: t.data as Float32Array, dims };
  if (t.type === 'float16' && t.data instanceof Uint16Array) return { data: Float32Array.from(t.data, halfToFloat), dims };
  if (t.type === 'float16') return { data: Float32Array.from(t.data as ArrayLike<number>), dims };
  throw new PipelineError(`expected a float tensor, got ${t.type}`);
}

/**
 * A timestep input as the export declares it: a scalar (optimum's UNet), [batch] or [1]; int64
 * or float. Every sample of the batch is at the same step.
 */
export function timestepInput(session: ort.InferenceSession, name: string, value: number, batch: number): ort.Tensor {
  const meta = tensorMetadata(session, name);
  const rank = meta?.shape.length ?? 1;
  const dims = rank === 0 ? [] : [meta?.shape[0] === 1 ? 1 : batch];
  const n = rank === 0 ? 1 : dims[0];
  switch (meta?.type) {
    case 'int64':
      return new ort.Tensor('int64', new BigInt64Array(n).fill(BigInt(Math.round(value))), dims);
    case 'int32':
      return new ort.Tensor('int32', new Int32Array(n).fill(Math.round(value)), dims);
    case 'float16':
      return new ort.Tensor('float16', new Uint16Array(n).fill(floatToHalf(value)), dims);
    default:
      return new ort.Tensor('float32', new Float32Array(n).fill(value), dims);
  }
}

/** The model's first output as float data. */
export function firstOutput(session: ort.InferenceSession, out: ort.InferenceSession.OnnxValueMapType): Float32Array {
  return readArray(out[session.outputNames[0]] as ort.Tensor).data;
}

export type TTextEncoder = { folder: string; tokenizer: TTokenizer; session: ort.InferenceSession };


/**
 * A text encoder and its tokenizer. The token count is the one the export fixes, if it fixes
 * one; else `defaultLength` (the pipeline's own, e.g. diffusers' max_sequence_length for T5);
 * else the tokenizer's (CLIP's 77).
 */
export function textEncoder(dir: string, part: TPart, session: ort.InferenceSession, defaultLength?: number): TTextEncoder {
  const shape = tensorMetadata(session, 'input_ids')?.shape;
  const fixed = typeof shape?.[1] === 'number' && shape[1] > 0 ? shape[1] : undefined;
  const maxLength = fixed ?? defaultLength;
  try {
    return { folder: part.folder, tokenizer: loadTokenizer(dir, part.tokenizer ?? 'tokenizer', maxLength === undefined ? {} : { maxLength }), session };
  } catch (err) {
    throw new PipelineError(`${part.folder} cannot be fed: ${(err as Error).message}`);
  }
}

/** Tokenizes (padded to the tokenizer's length) and runs a text encoder; returns every output by name. */
export async function encodeTexts(e: TTextEncoder, texts: string[]): Promise<Record<string, TArray>> {
  const L = e.tokenizer.maxLength;
  const ids = texts.flatMap((t) => e.tokenizer.encode(t));
  const name = e.session.inputNames.includes('input_ids') ? 'input_ids' : e.session.inputNames[0];
  const feed =
    tensorMetadata(e.session, name)?.type === 'int32'
      ? new ort.Tensor('int32', Int32Array.from(ids), [texts.length, L])
      : new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [texts.length, L]);
  const out = await e.session.run({ [name]: feed });
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, readArray(v as ort.Tensor)]));
}

/** Scaling and shift of the latent before decoding, and the VAE's down-sampling factor (2^(levels - 1), as diffusers computes it). */
export function vaeConfig(dir: string) {
  const cfg = readJsonIfExists(path.join(dir, 'vae_decoder', 'config.json'));
  return {
    // AutoencoderKL's default when a config leaves it out
    scale: (cfg.scaling_factor as number | undefined) ?? 0.18215,
    shift: (cfg.shift_factor as number | undefined) ?? 0,
    factor: 2 ** (((cfg.block_out_channels as unknown[] | undefined)?.length ?? 4) - 1),
    sampleSize: cfg.sample_size as number | undefined,
  };
}

export function requireNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new PipelineError(`${what} is missing or not a positive number (got ${JSON.stringify(value)})`);
  return value;
}
