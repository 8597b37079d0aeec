import path from 'node:path';
import { fixtureMmditConfig, writeFixtureBundle } from '../fixtures/bundle';
import type { TMmditConfig, TWeights } from '../fixtures/mmdit';
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
export type TShapesModelSizes = { blocks: number; hidden: number; heads: number; seed: number };

export const SHAPES_MODEL_DEFAULTS: TShapesModelSizes = { blocks: 6, hidden: 64, heads: 4, seed: 0 };

/** Image side in pixels = latent side (the pixel decoder upscales 4x for display). */
export const SHAPES_LATENT_SIZE = 16;
export const SHAPES_LATENT_CHANNELS = 4;

export function shapesMmditConfig(o: TShapesModelSizes): TMmditConfig {
  return fixtureMmditConfig({ blocks: o.blocks, hidden: o.hidden, heads: o.heads, latentSize: SHAPES_LATENT_SIZE });
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
  const written = writeFixtureBundle(outDir, {
    blocks: sizes.blocks,
    hidden: sizes.hidden,
    heads: sizes.heads,
    seed: sizes.seed,
    latentSize: SHAPES_LATENT_SIZE,
    transformerWeights: weights,
    extraVocabularyTexts: shapesVocabularyTexts(),
    modelIndexExtra: { fixture: false, world: 'shapes', vae: 'pixel decoder (RGB in latent channels 0-2, 4x nearest upscale)', ...info },
  });
  writeModel(buildPixelDecoder(), path.join(outDir, 'vae_decoder', 'model.onnx'));
  return written;
}
