import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { toBinary } from '@bufbuild/protobuf';
import { type ModelProto, ModelProtoSchema } from 'onnx-buf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureBundle } from '../fixtures/bundle';
import { Rng } from '../fixtures/random';
import { parseModel, readModel } from '../onnx/io';
import { discoverBlocks } from './discovery';
import { removeParts, SurgeryError } from './surgery';

let dir: string;
let original: ModelProto;
let feeds: Record<string, ort.Tensor>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-surgery-'));
  writeFixtureBundle(dir, { blocks: 6 });
  original = readModel(path.join(dir, 'transformer', 'model.onnx')).proto;
  const rng = new Rng(42);
  feeds = {
    hidden_states: new ort.Tensor('float32', rng.normals(2 * 4 * 8 * 8, 1), [2, 4, 8, 8]),
    encoder_hidden_states: new ort.Tensor('float32', rng.normals(2 * 16 * 32, 1), [2, 16, 32]),
    pooled_projections: new ort.Tensor('float32', rng.normals(2 * 32, 1), [2, 32]),
    timestep: new ort.Tensor('float32', Float32Array.from([250, 750]), [2]),
  };
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function predict(model: ModelProto): Promise<Float32Array> {
  const bytes = toBinary(ModelProtoSchema, model);
  parseModel(bytes, 'surgery-result.onnx'); // the result is a valid model
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    return (await session.run(feeds)).out_sample.data as Float32Array;
  } finally {
    await session.release();
  }
}

const relErr = (a: Float32Array, b: Float32Array) => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
};

describe('surgery', () => {
  it('removing nothing gives bit-identical outputs', async () => {
    const result = removeParts(original, []);
    expect(result.removedNodes).toBe(0);
    expect(Buffer.from(toBinary(ModelProtoSchema, result.model)).equals(Buffer.from(toBinary(ModelProtoSchema, original)))).toBe(true);
    expect(await predict(result.model)).toEqual(await predict(original));
  });

  it('removes whole blocks: the model runs, is smaller by exactly those blocks, and its output differs', async () => {
    const d = discoverBlocks(original);
    const blocks = d.stacks[0].blocks;
    const result = removeParts(original, [
      { stack: 'transformer_blocks', block: 3 },
      { stack: 'transformer_blocks', block: 4 },
    ]);
    expect(result.removedParams).toBe(blocks[3].params + blocks[4].params);
    const after = discoverBlocks(result.model);
    expect(after.stacks[0].blocks.map((b) => b.index)).toEqual([0, 1, 2, 5]);
    const base = await predict(original);
    const pruned = await predict(result.model);
    expect(pruned.every(Number.isFinite)).toBe(true);
    expect(relErr(pruned, base)).toBeGreaterThan(1e-4);
  });

  it('can remove the first and the last (context pre-only) block', async () => {
    for (const block of [0, 5]) {
      const result = removeParts(original, [{ stack: 'transformer_blocks', block }]);
      expect((await predict(result.model)).every(Number.isFinite)).toBe(true);
    }
  });

  it('removes each kind of component: residual branches are bypassed, modulations neutralised', async () => {
    const d = discoverBlocks(original);
    const base = await predict(original);
    for (const component of ['attn', 'ff', 'ff_context', 'norm1', 'norm1_context']) {
      const result = removeParts(original, [{ stack: 'transformer_blocks', block: 2, component }]);
      const expected = d.stacks[0].blocks[2].components.find((c) => c.name === component)!.params;
      // a neutral modulation adds its constant back: 1 x width values
      const constant = component.startsWith('norm1') ? 6 * 64 : 0;
      expect(result.removedParams, component).toBe(expected - constant);
      const out = await predict(result.model);
      expect(out.every(Number.isFinite), component).toBe(true);
      expect(relErr(out, base), component).toBeGreaterThan(1e-5);
    }
  });

  it('a block whose components are all removed runs like the block removed, up to the plain norms', async () => {
    const all = ['attn', 'ff', 'ff_context', 'norm1', 'norm1_context'].map((component) => ({ stack: 'transformer_blocks', block: 1, component }));
    const byComponents = await predict(removeParts(original, all).model);
    const byBlock = await predict(removeParts(original, [{ stack: 'transformer_blocks', block: 1 }]).model);
    // with every residual branch bypassed, the block passes its streams through unchanged
    expect(relErr(byComponents, byBlock)).toBeLessThan(1e-5);
  });

  it('says clearly what cannot be removed', () => {
    expect(() => removeParts(original, [{ stack: 'transformer_blocks', block: 99 }])).toThrow(SurgeryError);
    expect(() => removeParts(original, [{ stack: 'transformer_blocks', block: 5, component: 'ff_context' }])).toThrow(/has no component "ff_context"/);
  });
});
