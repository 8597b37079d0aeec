import path from 'node:path';
import { fixtureMmditConfig, writeFixtureBundle } from '../fixtures/bundle';
import { randomMmditWeights, type TMmditConfig, type TWeights } from '../fixtures/mmdit';
import { DataType, GraphBuilder } from '../onnx/builder';
import { writeModel } from '../onnx/io';
import { NUMBER_WORDS, PLURALS, SHAPE_CLASSES, SHAPE_COLOURS } from '../shapes/world';

/**
 * The shapes-world model: the fixture's SD3 layout and MMDiT structure (so discovery, surgery and
 * INT4 apply unchanged), trained in pixel space. Its "latent" is the 16x16 image itself: channels
 * 0-2 are RGB in [-1, 1], channel 3 is kept at zero, and the VAE decoder is a fixed pixel decoder
 * (take RGB, upscale 4x nearest, clip), so 16x16 scenes show crisply at 64x64. Text conditioning is
 * the fixture's seeded random text encoder, frozen: distinct words give distinct states, and the
 * MMDiT's own context_embedder and text_embedder learn to read them.
 */
export type TShapesModelSizes = {
  blocks: number;
  hidden: number;
  heads: number;
  seed: number;
  /** A residual 3x3 conv over the output (TMmditConfig.outputConv): sharper edges between patches. */
  outputConv?: boolean;
  /** The MMDiT predicts the clean image and returns the velocity (TMmditConfig.xPrediction). */
  xPrediction?: boolean;
  /** A pixel head of this many channels in place of the output conv (TMmditConfig.pixelHead); 0: none. */
  pixelHead?: number;
};

/** Feature channels of the pixel head when a model has one. */
export const PIXEL_HEAD_CHANNELS = 16;

export const SHAPES_MODEL_DEFAULTS = { blocks: 6, hidden: 64, heads: 4, seed: 0, outputConv: false, xPrediction: true, pixelHead: PIXEL_HEAD_CHANNELS } as const satisfies TShapesModelSizes;

/** Image side in pixels = latent side (the pixel decoder upscales 4x for display). */
export const SHAPES_LATENT_SIZE = 16;
export const SHAPES_LATENT_CHANNELS = 4;

export function shapesMmditConfig(o: TShapesModelSizes): TMmditConfig {
  return { ...fixtureMmditConfig({ blocks: o.blocks, hidden: o.hidden, heads: o.heads, latentSize: SHAPES_LATENT_SIZE }), outputConv: o.outputConv ?? false, xPrediction: o.xPrediction ?? false, pixelHead: o.pixelHead ?? 0 };
}

/**
 * The weights a training run starts from: the fixture's seeded random weights, with two changes
 * of initial value only (the structure is the fixture's):
 * - a 2-D sine-cosine position embedding (SD3's and DiT's), so each token knows where it is and
 *   its neighbours from the first step. The fixture's 0.02-scale random embedding left position
 *   a faint signal: a first run drew colour in the right pixels but scattered, not shapes.
 * - DiT's adaLN-Zero: every modulation (norm1, norm1_context, norm_out), the output projection
 *   and the output conv start at zero, so each block starts as the identity and the model as
 *   "predict 0" (with the pixel head, its last conv is the one at zero).
 */
export function shapesInitialWeights(cfg: TMmditConfig, seed: number): TWeights {
  const w = randomMmditWeights(cfg, seed);
  const grid = cfg.latentSize / cfg.patchSize;
  w['pos_embed.pos_embed'] = { data: sinCosPositions(grid, cfg.hidden), dims: [1, grid * grid, cfg.hidden] };
  for (const [name, t] of Object.entries(w)) {
    if (/(^|\.)(norm1|norm1_context|norm_out)\.linear\.(weight|bias)$/.test(name) || /^(proj_out|conv_out|pixel_head\.conv2)\.(weight|bias)$/.test(name)) t.data = new Float32Array(t.data.length);
  }
  return w;
}

/** [grid², D] row-major: half the channels encode the row, half the column, each as sin/cos at geometric frequencies (MAE's/DiT's layout). */
export function sinCosPositions(grid: number, D: number): Float32Array {
  if (D % 4 !== 0) throw new Error(`a 2-D sine-cosine embedding needs a width divisible by 4 (got ${D})`);
  const quarter = D / 4;
  const out = new Float32Array(grid * grid * D);
  for (let y = 0; y < grid; y++) {
    for (let x = 0; x < grid; x++) {
      const row = out.subarray((y * grid + x) * D, (y * grid + x + 1) * D);
      for (let i = 0; i < quarter; i++) {
        const omega = 1 / 10000 ** (i / quarter);
        // first half: the column (x), second half: the row (y), as DiT's get_2d_sincos_pos_embed orders them
        row[i] = Math.sin(x * omega);
        row[quarter + i] = Math.cos(x * omega);
        row[2 * quarter + i] = Math.sin(y * omega);
        row[3 * quarter + i] = Math.cos(y * omega);
      }
    }
  }
  return out;
}

/** Words of the shapes prompts the fixture vocabulary lacks (its GenEval prompts have no shape plurals). */
export function shapesVocabularyTexts(): string[] {
  return [SHAPE_CLASSES.join(' '), Object.values(PLURALS).join(' '), SHAPE_COLOURS.join(' '), Object.values(NUMBER_WORDS).join(' ')];
}

/** The fixed decoder: latent [B, 4, S, S] → RGB [B, 3, 4S, 4S] in [-1, 1]. */
export function buildPixelDecoder(): ReturnType<GraphBuilder['model']> {
  const g = new GraphBuilder('PixelDecoder');
  const latent = g.input('latent_sample', DataType.FLOAT, ['batch', SHAPES_LATENT_CHANNELS, SHAPES_LATENT_SIZE, SHAPES_LATENT_SIZE]);
  const rgb = g.op1('Slice', [latent, g.constInt64([0]), g.constInt64([3]), g.constInt64([1])]);
  const up = g.op1('Resize', [rgb, '', g.constFloat([1, 1, 4, 4])], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
  const clipped = g.op1('Clip', [up, g.constFloat([-1], []), g.constFloat([1], [])]);
  const out = g.op1('Identity', [clipped], {}, { name: 'sample' });
  g.output(out, DataType.FLOAT, ['batch', 3, SHAPES_LATENT_SIZE * 4, SHAPES_LATENT_SIZE * 4]);
  const model = g.model({ opsets: { '': 17 }, producer: 'prunearena-shapes' });
  for (const n of model.graph!.node) n.output = n.output.map((o) => (o === out ? 'sample' : o));
  for (const o of model.graph!.output) if (o.name === out) o.name = 'sample';
  return model;
}

/**
 * Writes the shapes model as a diffusers ONNX bundle: the fixture writer with these weights and
 * the shapes vocabulary, then the pixel decoder over the fixture's random VAE.
 */
export function writeShapesBundle(outDir: string, sizes: TShapesModelSizes, weights: TWeights, info: Record<string, unknown> = {}) {
  const { outputConv, xPrediction, pixelHead } = shapesMmditConfig(sizes);
  const written = writeFixtureBundle(outDir, {
    blocks: sizes.blocks,
    hidden: sizes.hidden,
    heads: sizes.heads,
    seed: sizes.seed,
    latentSize: SHAPES_LATENT_SIZE,
    transformerWeights: weights,
    extraVocabularyTexts: shapesVocabularyTexts(),
    outputConv,
    xPrediction,
    pixelHead,
    modelIndexExtra: { fixture: false, world: 'shapes', vae: 'pixel decoder (RGB in latent channels 0-2, 4x nearest upscale)', ...info },
  });
  writeModel(buildPixelDecoder(), path.join(outDir, 'vae_decoder', 'model.onnx'));
  return written;
}
