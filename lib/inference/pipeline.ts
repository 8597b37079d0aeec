import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { initialNoise } from './noise';
import { makeSampler, type TSchedulerConfig } from './schedulers';
import { openSession, type TProvider } from './session';
import { loadTokenizer, type TTokenizer } from './tokenizer';

/**
 * Text to image over a bundle's ONNX parts (diffusers ONNX layout): tokenizer → text encoder →
 * denoiser steps with classifier-free guidance → VAE decoder. Supported: SD3-style transformers
 * (inputs hidden_states, encoder_hidden_states, pooled_projections, timestep) with the sampler
 * the bundle declares. Sessions are opened once per bundle and reused.
 */
export type TGenerateOptions = { prompt: string; negativePrompt?: string; seed: number; steps: number; guidance: number };

export type TGeneration = {
  /** RGB, row-major, 8 bits per channel. */
  rgb: Uint8Array;
  width: number;
  height: number;
  provider: TProvider;
  stepMs: number[];
  totalMs: number;
  sampler: string;
};

export class PipelineError extends Error {}

type TLoaded = {
  dir: string;
  tokenizer: TTokenizer;
  textEncoder: ort.InferenceSession;
  denoiser: ort.InferenceSession;
  vae: ort.InferenceSession;
  provider: TProvider;
  scheduler: TSchedulerConfig;
  latentShape: [number, number, number];
  vaeScale: number;
  vaeShift: number;
};

const readJson = (file: string) => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PipelineError(`${file}: ${(err as Error).message}`);
  }
};

export class TextToImagePipeline {
  private static cache = new Map<string, Promise<TextToImagePipeline>>();

  private constructor(private readonly m: TLoaded) {}

  get provider(): TProvider {
    return this.m.provider;
  }

  /** Opens (once per folder and provider list) the sessions of a bundle. */
  static load(bundleDir: string, opts: { providers?: TProvider[]; threads?: number } = {}): Promise<TextToImagePipeline> {
    const key = `${path.resolve(bundleDir)}|${opts.providers?.join(',') ?? ''}|${opts.threads ?? ''}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.open(path.resolve(bundleDir), opts);
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  /** Releases every cached session (tests, shutdown). */
  static async releaseAll(): Promise<void> {
    const all = [...this.cache.values()];
    this.cache.clear();
    for (const p of all) await (await p.catch(() => null))?.release();
  }

  private static async open(dir: string, opts: { providers?: TProvider[]; threads?: number }): Promise<TextToImagePipeline> {
    if (!fs.existsSync(path.join(dir, 'transformer', 'model.onnx'))) {
      throw new PipelineError(`${dir}: only transformer denoisers (SD3-style) are supported so far; no transformer/model.onnx here`);
    }
    const config = readJson(path.join(dir, 'transformer', 'config.json'));
    const vaeConfig = fs.existsSync(path.join(dir, 'vae_decoder', 'config.json')) ? readJson(path.join(dir, 'vae_decoder', 'config.json')) : {};
    const scheduler = readJson(path.join(dir, 'scheduler', 'scheduler_config.json')) as TSchedulerConfig;
    const tokenizer = loadTokenizer(dir);
    const denoiser = await openSession(path.join(dir, 'transformer', 'model.onnx'), opts);
    // the other parts follow the provider the denoiser got
    const same = { ...opts, providers: [denoiser.provider] };
    const textEncoder = await openSession(path.join(dir, 'text_encoder', 'model.onnx'), same);
    const vae = await openSession(path.join(dir, 'vae_decoder', 'model.onnx'), same);
    for (const name of ['hidden_states', 'encoder_hidden_states', 'pooled_projections', 'timestep']) {
      if (!denoiser.session.inputNames.includes(name)) throw new PipelineError(`${dir}/transformer/model.onnx has no input "${name}" (it has ${denoiser.session.inputNames.join(', ')})`);
    }
    return new TextToImagePipeline({
      dir,
      tokenizer,
      textEncoder: textEncoder.session,
      denoiser: denoiser.session,
      vae: vae.session,
      provider: denoiser.provider,
      scheduler,
      latentShape: [config.in_channels, config.sample_size, config.sample_size],
      vaeScale: vaeConfig.scaling_factor ?? 1,
      vaeShift: vaeConfig.shift_factor ?? 0,
    });
  }

  async release(): Promise<void> {
    for (const s of [this.m.textEncoder, this.m.denoiser, this.m.vae]) await s.release();
  }

  private async encode(texts: string[]) {
    const L = this.m.tokenizer.maxLength;
    const ids = BigInt64Array.from(texts.flatMap((t) => this.m.tokenizer.encode(t)).map(BigInt));
    const out = await this.m.textEncoder.run({ [this.m.textEncoder.inputNames[0]]: new ort.Tensor('int64', ids, [texts.length, L]) });
    const states = out.last_hidden_state ?? out[this.m.textEncoder.outputNames[0]];
    const pooled = out.text_embeds ?? out[this.m.textEncoder.outputNames[1]];
    return { states, pooled };
  }

  async generate(o: TGenerateOptions): Promise<TGeneration> {
    if (!(o.guidance >= 1)) throw new PipelineError(`guidance must be at least 1 (got ${o.guidance})`);
    const started = performance.now();
    const sampler = makeSampler(this.m.scheduler, o.steps);
    const cfg = o.guidance > 1;
    const { states, pooled } = await this.encode(cfg ? [o.negativePrompt ?? '', o.prompt] : [o.prompt]);
    const batch = cfg ? 2 : 1;
    const [c, h, w] = this.m.latentShape;
    const size = c * h * w;
    let x = initialNoise(o.seed, [1, c, h, w]);
    if (sampler.initNoiseSigma !== 1) x = x.map((v) => v * sampler.initNoiseSigma);
    const stepMs: number[] = [];
    for (let i = 0; i < sampler.timesteps.length; i++) {
      const t0 = performance.now();
      const input = sampler.scaleInput(x, i);
      const latent = new Float32Array(size * batch);
      for (let b = 0; b < batch; b++) latent.set(input, b * size);
      const out = await this.m.denoiser.run({
        hidden_states: new ort.Tensor('float32', latent, [batch, c, h, w]),
        encoder_hidden_states: states,
        pooled_projections: pooled,
        timestep: new ort.Tensor('float32', new Float32Array(batch).fill(sampler.timesteps[i]), [batch]),
      });
      const pred = out[this.m.denoiser.outputNames[0]].data as Float32Array;
      let guided = pred;
      if (cfg) {
        guided = new Float32Array(size);
        for (let k = 0; k < size; k++) guided[k] = pred[k] + o.guidance * (pred[size + k] - pred[k]);
      }
      x = sampler.step(x, guided, i);
      stepMs.push(performance.now() - t0);
    }
    const latent = x.map((v) => v / this.m.vaeScale + this.m.vaeShift);
    const decoded = await this.m.vae.run({ [this.m.vae.inputNames[0]]: new ort.Tensor('float32', latent, [1, c, h, w]) });
    const img = decoded[this.m.vae.outputNames[0]];
    const [, ch, H, W] = img.dims.map(Number);
    const data = img.data as Float32Array;
    const rgb = new Uint8Array(H * W * 3);
    for (let y = 0; y < H; y++) {
      for (let xx = 0; xx < W; xx++) {
        for (let k = 0; k < 3; k++) {
          const v = data[(Math.min(k, ch - 1) * H + y) * W + xx];
          rgb[(y * W + xx) * 3 + k] = Math.round(Math.min(1, Math.max(0, (v + 1) / 2)) * 255);
        }
      }
    }
    return { rgb, width: W, height: H, provider: this.m.provider, stepMs, totalMs: performance.now() - started, sampler: sampler.name };
  }
}
