import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Rng } from '../fixtures/random';
import { GRID, SIZES, type TShapeClass, type TShapeColour } from '../shapes/world';
import { latentOf, TextConditioner } from './data';
import { SHAPES_LATENT_CHANNELS, SHAPES_LATENT_SIZE } from './shapes-model';

/**
 * The best denoiser there can be, for the prompts where it can be computed, and how far a model is
 * from it. A single-object prompt that names its colour ("a photo of a red circle") allows a
 * finite set of scenes in the shapes world: every size a lone object may have, at every place on
 * the grid (330 of them). Under x_σ = (1 − σ)·x0 + σ·ε with x0 uniform over that set, the
 * posterior mean E[x0 | x_σ] is a softmax-weighted average of the set, and (x_σ − E[x0 | x_σ]) / σ
 * is the velocity with the least possible squared error: no model can do better on average.
 *
 * A model's excess over it, by noise level, says where it falls short: near σ = 1 both can only
 * predict the average scene; below σ ≈ 0.5 the noise leaves one scene possible and the ideal error
 * goes to zero, so what a model loses there is its own.
 */

/** Every scene a lone `colour` `shape` may be drawn as (all sizes SIZES[1] allows, at every place), as clean latents. */
export function singleObjectScenes(shape: TShapeClass, colour: TShapeColour): Float32Array[] {
  const out: Float32Array[] = [];
  const [lo, hi] = SIZES[1];
  for (let size = lo; size <= hi; size++) for (let y = 0; y <= GRID - size; y++) for (let x = 0; x <= GRID - size; x++) out.push(latentOf({ objects: [{ shape, colour, size, x, y }] }));
  return out;
}

/** The least-squares velocity at x_σ when x0 is uniform over `scenes`: (x_σ − E[x0 | x_σ]) / σ, for σ in (0, 1]. */
export function idealVelocity(scenes: Float32Array[], xt: Float32Array, sigma: number): Float32Array {
  if (!(sigma > 0 && sigma <= 1)) throw new Error(`σ must be in (0, 1] (got ${sigma})`);
  const logp = scenes.map((s) => {
    let d = 0;
    for (let i = 0; i < xt.length; i++) {
      const r = xt[i] - (1 - sigma) * s[i];
      d += r * r;
    }
    return -d / (2 * sigma * sigma);
  });
  const top = Math.max(...logp);
  const w = logp.map((l) => Math.exp(l - top));
  const total = w.reduce((a, b) => a + b, 0);
  const mean = new Float64Array(xt.length);
  scenes.forEach((s, j) => {
    const share = w[j] / total;
    if (share > 1e-12) for (let i = 0; i < xt.length; i++) mean[i] += share * s[i];
  });
  return xt.map((x, i) => (x - mean[i]) / sigma);
}

/** A denoiser under test: the (unguided) velocity it predicts at x_σ for a prompt. */
export type TVelocityModel = (xt: Float32Array, sigma: number, prompt: string) => Promise<Float32Array>;

/** One prompt and one σ band: the mean squared velocity error of the model and of the ideal denoiser on the same noised scenes (RGB channels). */
export type TGapRow = { prompt: string; band: [number, number]; samples: number; model: number; ideal: number };

export const GAP_PROMPTS: [TShapeClass, TShapeColour][] = [
  ['circle', 'red'],
  ['square', 'blue'],
  ['triangle', 'green'],
];
export const GAP_BANDS: [number, number][] = [
  [0.9, 1],
  [0.7, 0.9],
  [0.5, 0.7],
  [0.3, 0.5],
  [0.1, 0.3],
];

/**
 * The model's and the ideal denoiser's velocity error, per prompt of GAP_PROMPTS and band of
 * GAP_BANDS, on `perBand` scenes of the prompt's set, each noised at a σ drawn uniformly in the
 * band. Scenes, σ and noise come from `seed`, so two models meet the same inputs.
 */
export async function measureDenoiseGap(model: TVelocityModel, o: { perBand?: number; seed?: number } = {}): Promise<TGapRow[]> {
  const perBand = o.perBand ?? 24;
  const rng = new Rng(o.seed ?? 11);
  const n = SHAPES_LATENT_CHANNELS * SHAPES_LATENT_SIZE ** 2;
  const rgb = 3 * SHAPES_LATENT_SIZE ** 2;
  const rows: TGapRow[] = [];
  for (const [shape, colour] of GAP_PROMPTS) {
    const prompt = `a photo of a ${colour} ${shape}`;
    const scenes = singleObjectScenes(shape, colour);
    for (const band of GAP_BANDS) {
      let [eModel, eIdeal] = [0, 0];
      for (let k = 0; k < perBand; k++) {
        const x0 = scenes[Math.floor(rng.next() * scenes.length)];
        const sigma = band[0] + (band[1] - band[0]) * rng.next();
        const noise = rng.normals(n, 1);
        const xt = x0.map((x, i) => (1 - sigma) * x + sigma * noise[i]);
        const [v, ideal] = [await model(xt, sigma, prompt), idealVelocity(scenes, xt, sigma)];
        for (let i = 0; i < rgb; i++) {
          const target = noise[i] - x0[i];
          eModel += (v[i] - target) ** 2;
          eIdeal += (ideal[i] - target) ** 2;
        }
      }
      rows.push({ prompt, band, samples: perBand, model: eModel / (perBand * rgb), ideal: eIdeal / (perBand * rgb) });
    }
  }
  return rows;
}

/** A shapes bundle's transformer as a TVelocityModel (onnxruntime on the CPU, its own text encoder); release when done. */
export async function onnxVelocityModel(bundleDir: string): Promise<{ predict: TVelocityModel; release: () => Promise<void> }> {
  const session = await ort.InferenceSession.create(path.join(bundleDir, 'transformer', 'model.onnx'), { intraOpNumThreads: 1 });
  const text = await TextConditioner.open(bundleDir);
  const S = SHAPES_LATENT_SIZE;
  const predict: TVelocityModel = async (xt, sigma, prompt) => {
    const [c] = await text.encode([prompt]);
    const out = await session.run({
      hidden_states: new ort.Tensor('float32', xt, [1, SHAPES_LATENT_CHANNELS, S, S]),
      encoder_hidden_states: new ort.Tensor('float32', c.states, [1, text.length, text.width]),
      pooled_projections: new ort.Tensor('float32', c.pooled, [1, text.pooledWidth]),
      timestep: new ort.Tensor('float32', Float32Array.from([sigma * 1000]), [1]),
    });
    return out[session.outputNames[0]].data as Float32Array;
  };
  return { predict, release: async () => (await session.release(), await text.release()) };
}
