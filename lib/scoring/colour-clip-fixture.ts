import fs from 'node:fs';
import path from 'node:path';
import type { ModelProto } from 'onnx-buf';
import { DataType, GraphBuilder } from '../onnx/builder';
import { writeModel } from '../onnx/io';
import { tokenizerConfig, tokenizerJson } from '../fixtures/tokenizer';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD } from './clip-preprocess';
import { CLIP_COLOUR_TEMPLATES } from './colour-clip';
import { COLOUR_SWATCHES } from './colour-pixel';
import { GENEVAL_CROP_BACKGROUND } from './crop';
import { GENEVAL_COLOURS } from './geneval-protocol';

/**
 * A hand-made CLIP-style scorer folder (transformers.js split layout, word-level tokenizer) whose
 * answers are known, so tests can run GenEval's CLIP colour classifier end to end through
 * onnxruntime:
 * - image_embeds [B, 10]: the mean colour of the pixels that are not GenEval's #999 background
 *   (undoing CLIP's normalisation inside the graph), turned into a softmax over GenEval's ten
 *   colours by squared distance to each colour's swatch (colour-pixel.ts); its cosine with a
 *   one-hot vector is largest for the nearest swatch.
 * - text_embeds [B, 10]: the sum over tokens of a one-hot vector for each colour word (other
 *   words add nothing), so every prompt of colour c embeds to e_c.
 * It is labelled a fixture (config.json `prunearena.fixture`), as its colours are a toy's.
 */
export const COLOUR_CLIP_FIXTURE_NAME = 'prunearena/colour-clip-fixture';

const MAX_LENGTH = 77;
const IMAGE_SIZE = 224;
/** Softmax temperature on squared RGB distances in [0, 3]. */
const TEMPERATURE = 0.02;
/** A pixel further than this (in 0-1 units, any channel) from #999 counts as the object. */
const GREY_TOLERANCE = 1.5 / 255;

/** Gives the builder's `<node>_output_0` outputs their public names. */
function finish(g: GraphBuilder, tensor: string, name: string): ModelProto {
  const id = g.op1('Identity', [tensor]);
  g.output(id, DataType.FLOAT, ['batch', GENEVAL_COLOURS.length]);
  const model = g.model({ opsets: { '': 17 }, producer: 'prunearena-fixture' });
  for (const n of model.graph!.node) n.output = n.output.map((o) => (o === id ? name : o));
  for (const o of model.graph!.output) if (o.name === id) o.name = name;
  return model;
}

function visionModel(): ModelProto {
  const g = new GraphBuilder('ColourCLIPVision');
  const S = IMAGE_SIZE;
  const x = g.input('pixel_values', DataType.FLOAT, ['batch', 3, S, S]);
  const perChannel = (v: readonly number[]) => g.constFloat([...v], [1, 3, 1, 1]);
  const rgb = g.op1('Add', [g.op1('Mul', [x, perChannel(OPENAI_CLIP_STD)]), perChannel(OPENAI_CLIP_MEAN)]);
  const grey = g.constFloat([...GENEVAL_CROP_BACKGROUND].map((v) => v / 255), [1, 3, 1, 1]);
  const offGrey = g.op1('ReduceMax', [g.op1('Abs', [g.op1('Sub', [rgb, grey])])], { axes: [1], keepdims: 1 });
  const weight = g.op1('Cast', [g.op1('Greater', [offGrey, g.constFloat([GREY_TOLERANCE], [])])], { to: DataType.FLOAT });
  const axes = g.constInt64([2, 3]);
  const sum = g.op1('ReduceSum', [g.op1('Mul', [rgb, weight]), axes], { keepdims: 0 });
  const count = g.op1('Max', [g.op1('ReduceSum', [weight, axes], { keepdims: 0 }), g.constFloat([1e-6], [])]);
  const mean = g.op1('Div', [sum, count]);
  const swatches = g.constFloat(GENEVAL_COLOURS.flatMap((c) => COLOUR_SWATCHES[c].map((v) => v / 255)), [GENEVAL_COLOURS.length, 3]);
  const diff = g.op1('Sub', [g.op1('Unsqueeze', [mean, g.constInt64([1])]), swatches]);
  const dist = g.op1('ReduceSum', [g.op1('Mul', [diff, diff]), g.constInt64([2])], { keepdims: 0 });
  const probs = g.op1('Softmax', [g.op1('Mul', [dist, g.constFloat([-1 / TEMPERATURE], [])])], { axis: 1 });
  return finish(g, probs, 'image_embeds');
}

function textModel(vocab: Record<string, number>): ModelProto {
  const g = new GraphBuilder('ColourCLIPText');
  const ids = g.input('input_ids', DataType.INT64, ['batch', MAX_LENGTH]);
  const K = GENEVAL_COLOURS.length;
  const table = new Float32Array(Object.keys(vocab).length * K);
  GENEVAL_COLOURS.forEach((c, k) => (table[vocab[c] * K + k] = 1));
  const rows = g.op1('Gather', [g.weight('colour_words', [table.length / K, K], table), ids], { axis: 0 });
  return finish(g, g.op1('ReduceSum', [rows, g.constInt64([1])], { keepdims: 0 }), 'text_embeds');
}

function writeJson(file: string, value: unknown) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

export function writeColourClipFixture(dir: string): { dir: string; name: string } {
  const words = new Set<string>([...GENEVAL_COLOURS, ...CLIP_COLOUR_TEMPLATES.flatMap((t) => t.replace(/\{\w+\}/g, ' ').match(/\w+|[^\w\s]+/g) ?? [])]);
  const vocab: Record<string, number> = { '[PAD]': 0, '[UNK]': 1, '[BOS]': 2, '[EOS]': 3 };
  for (const w of [...words].sort()) vocab[w] = Object.keys(vocab).length;
  writeJson(path.join(dir, 'tokenizer.json'), tokenizerJson(vocab, MAX_LENGTH));
  writeJson(path.join(dir, 'tokenizer_config.json'), tokenizerConfig(MAX_LENGTH));
  writeModel(visionModel(), path.join(dir, 'onnx', 'vision_model.onnx'));
  writeModel(textModel(vocab), path.join(dir, 'onnx', 'text_model.onnx'));
  writeJson(path.join(dir, 'preprocessor_config.json'), {
    image_processor_type: 'CLIPImageProcessor',
    size: { shortest_edge: IMAGE_SIZE },
    crop_size: { height: IMAGE_SIZE, width: IMAGE_SIZE },
    resample: 3,
    image_mean: [...OPENAI_CLIP_MEAN],
    image_std: [...OPENAI_CLIP_STD],
  });
  writeJson(path.join(dir, 'config.json'), {
    _name_or_path: COLOUR_CLIP_FIXTURE_NAME,
    model_type: 'clip',
    projection_dim: GENEVAL_COLOURS.length,
    prunearena: { fixture: true, note: 'Hand-made colour "CLIP" for tests: image = nearest GenEval colour swatch of the non-#999 pixels, text = the colour word.' },
  });
  return { dir, name: COLOUR_CLIP_FIXTURE_NAME };
}
