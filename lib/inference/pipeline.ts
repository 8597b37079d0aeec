import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { log } from '../log';
import { openFlux } from './families/flux';
import { detectLayout, missingFiles, type TFamilyName, type TLayout } from './families/layout';
import { floatInput, readArray, type TFamilyRunner, type TOpenOptions } from './families/parts';
import { openSd15 } from './families/sd15';
import { openSd3 } from './families/sd3';
import { initialNoise, stepNoise } from './noise';
import { PipelineError } from './pipeline-error';
import { SchedulerError } from './schedulers';
import type { TProvider } from './session';
import { TokenizerError } from './tokenizer';

export { PipelineError } from './pipeline-error';

/**
 * Text to image over a bundle's ONNX parts (diffusers ONNX layout): tokenizers → text encoders →
 * denoiser steps → VAE decoder. The family comes from model_index.json (families/layout.ts):
 * SD3 (one or three text encoders), SD 1.5/2.1 (UNet, ε or v prediction) and FLUX (packed
 * latents, distilled guidance); each family module feeds its denoiser, and this loop is shared:
 * the seeded noise, the sampler the bundle declares, classifier-free guidance where the family
 * uses it, the VAE. Sessions are opened once per bundle and reused.
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

const OPENERS: Record<TFamilyName, (dir: string, layout: TLayout, opts: TOpenOptions) => Promise<TFamilyRunner>> = {
  sd3: openSd3,
  sd15: openSd15,
  flux: openFlux,
};

export class TextToImagePipeline {
  private static cache = new Map<string, Promise<TextToImagePipeline>>();

  private constructor(private readonly m: TFamilyRunner) {}

  get provider(): TProvider {
    return this.m.provider;
  }

  get family(): TFamilyName {
    return this.m.family;
  }

  /** Which encoder outputs condition the denoiser (e.g. which CLIP hidden state), for the record. */
  get conditioning(): readonly string[] {
    return this.m.conditioning;
  }

  /** Opens (once per folder and provider list) the sessions of a bundle. */
  static load(bundleDir: string, opts: TOpenOptions = {}): Promise<TextToImagePipeline> {
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

  private static async open(dir: string, opts: TOpenOptions): Promise<TextToImagePipeline> {
    const detected = detectLayout(dir);
    if (!detected.ok) throw new PipelineError(`${dir}: ${detected.problem}`);
    const { layout } = detected;
    const missing = missingFiles(dir, layout);
    if (missing.length) throw new PipelineError(`${dir}: a ${layout.className} bundle needs ${missing.join(', ')}; ${missing.length === 1 ? 'it is' : 'they are'} missing`);
    let runner: TFamilyRunner;
    try {
      runner = await OPENERS[layout.family](dir, layout, opts);
    } catch (err) {
      // a sampler or tokenizer the bundle declares but this pipeline cannot run: the bundle is unsupported
      if (err instanceof SchedulerError || err instanceof TokenizerError) throw new PipelineError(`${dir}: ${err.message}`);
      throw err;
    }
    log.info('text-to-image pipeline opened', { dir, family: runner.family, provider: runner.provider, conditioning: runner.conditioning });
    return new TextToImagePipeline(runner);
  }

  async release(): Promise<void> {
    await this.m.release();
  }

  async generate(o: TGenerateOptions): Promise<TGeneration> {
    if (!(o.guidance >= 1)) throw new PipelineError(`guidance must be at least 1 (got ${o.guidance})`);
    const started = performance.now();
    const sampler = this.m.sampler(o.steps);
    const cfg = this.m.classifierFree && o.guidance > 1;
    const text = await this.m.encode(cfg ? [o.negativePrompt ?? '', o.prompt] : [o.prompt]);
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
      const pred = await this.m.predict(latent, batch, sampler.timesteps[i], o.guidance, text);
      let guided = pred;
      if (cfg) {
        guided = new Float32Array(size);
        for (let k = 0; k < size; k++) guided[k] = pred[k] + o.guidance * (pred[size + k] - pred[k]);
      }
      x = sampler.step(x, guided, i, () => stepNoise(o.seed, i, size));
      stepMs.push(performance.now() - t0);
    }
    const { session: vae, scale, shift } = this.m.vae;
    const latent = x.map((v) => v / scale + shift);
    const decoded = await vae.run({ [vae.inputNames[0]]: floatInput(vae, vae.inputNames[0], { data: latent, dims: [1, c, h, w] }) });
    const { data, dims } = readArray(decoded[vae.outputNames[0]] as ort.Tensor);
    const [, ch, H, W] = dims;
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
