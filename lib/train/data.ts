import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeTexts, type TTextEncoder } from '../inference/families/parts';
import { loadTokenizer } from '../inference/tokenizer';
import { Rng } from '../fixtures/random';
import { normalQuantile } from '../stats/normal';
import { renderScene } from '../shapes/render';
import { sampleExample } from '../shapes/scene';
import type { TScene } from '../shapes/world';
import { SHAPES_LATENT_CHANNELS, SHAPES_LATENT_SIZE } from './shapes-model';

export type TTextCondition = { states: Float32Array; pooled: Float32Array };

/**
 * The frozen text encoder of a shapes bundle, run the way the pipeline runs it (its tokenizer,
 * its ONNX graph in onnxruntime), so training sees exactly the conditioning sampling will.
 * Prompts repeat (a few hundred distinct ones), so encodings are cached.
 */
export class TextConditioner {
  private readonly cache = new Map<string, TTextCondition>();

  private constructor(
    private readonly encoder: TTextEncoder,
    readonly length: number,
    readonly width: number,
    readonly pooledWidth: number,
  ) {}

  static async open(bundleDir: string): Promise<TextConditioner> {
    const session = await ort.InferenceSession.create(path.join(bundleDir, 'text_encoder', 'model.onnx'), { intraOpNumThreads: 1 });
    const tokenizer = loadTokenizer(bundleDir, 'tokenizer');
    const enc: TTextEncoder = { folder: 'text_encoder', tokenizer, session };
    const probe = await encodeTexts(enc, ['']);
    return new TextConditioner(enc, probe.last_hidden_state.dims[1], probe.last_hidden_state.dims[2], probe.text_embeds.dims[1]);
  }

  async encode(prompts: string[]): Promise<TTextCondition[]> {
    const missing = [...new Set(prompts.filter((p) => !this.cache.has(p)))];
    if (missing.length) {
      const out = await encodeTexts(this.encoder, missing);
      const L = this.length * this.width;
      missing.forEach((p, i) =>
        this.cache.set(p, {
          states: out.last_hidden_state.data.slice(i * L, (i + 1) * L),
          pooled: out.text_embeds.data.slice(i * this.pooledWidth, (i + 1) * this.pooledWidth),
        }),
      );
    }
    return prompts.map((p) => this.cache.get(p)!);
  }

  async release() {
    await this.encoder.session.release();
  }
}

/** A scene as the model's clean latent: RGB scaled to [-1, 1] in channels 0-2, zeros in channel 3. */
export function sceneLatent(seed: number): { latent: Float32Array; prompt: string } {
  const ex = sampleExample(seed);
  return { latent: latentOf(ex.scene), prompt: ex.metadata.prompt };
}

/** A scene drawn at the latent size, as the model's clean latent (see sceneLatent). */
export function latentOf(scene: TScene): Float32Array {
  const S = SHAPES_LATENT_SIZE;
  const { rgb } = renderScene(scene, S).image;
  const latent = new Float32Array(SHAPES_LATENT_CHANNELS * S * S);
  for (let i = 0; i < S * S; i++) for (let c = 0; c < 3; c++) latent[c * S * S + i] = rgb[i * 3 + c] / 127.5 - 1;
  return latent;
}

/**
 * How training draws σ. Uniform weighs every noise level alike; logit-normal (SD3's choice,
 * σ = sigmoid(z), z ~ N(0, 1)) puts two thirds of the draws in σ 0.27-0.73, the middle of the
 * path where layout and shape are decided, and few at the ends, where predicting the velocity is
 * either trivial or (near σ = 0) mostly noise.
 */
export const SIGMA_SAMPLINGS = ['uniform', 'logit-normal'] as const;
export type TSigmaSampling = (typeof SIGMA_SAMPLINGS)[number];

export type TBatch = {
  x0: Float32Array;
  noise: Float32Array;
  /** σ in (0, 1) per example: x_t = (1 − σ)·x0 + σ·noise */
  sigma: Float32Array;
  prompts: string[];
};

/**
 * The batch of training step `step`, a pure function of (seed, step): which scenes, which noise,
 * which σ, and which prompts are dropped to "" (the unconditional prompt classifier-free guidance
 * samples with). A run resumed at a step draws what an unbroken run would have.
 */
export function batchFor(seed: number, step: number, size: number, o: { promptDropout: number; sigmaSampling: TSigmaSampling }): TBatch {
  const rng = new Rng(seed).fork(`step ${step}`);
  const n = SHAPES_LATENT_CHANNELS * SHAPES_LATENT_SIZE ** 2;
  const x0 = new Float32Array(size * n);
  const sigma = new Float32Array(size);
  const prompts: string[] = [];
  for (let b = 0; b < size; b++) {
    const { latent, prompt } = sceneLatent(Math.floor(rng.next() * 2 ** 31));
    x0.set(latent, b * n);
    // one uniform draw either way (logit-normal through Φ⁻¹), so the choice changes σ and nothing else the step draws
    const u = rng.next();
    sigma[b] = o.sigmaSampling === 'uniform' ? u : 1 / (1 + Math.exp(-normalQuantile(u)));
    prompts.push(rng.next() < o.promptDropout ? '' : prompt);
  }
  return { x0, noise: rng.normals(size * n, 1), sigma, prompts };
}
