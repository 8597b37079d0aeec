import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, GraphBuilder } from './builder';
import { OnnxFormatError } from './errors';
import { inspectModel } from './inspect';
import { readModel, writeModel } from './io';
import { tensorToFloat32 } from './tensor';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-onnx-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** y = x @ W + b, with W 32x16 so it is big enough to go to external data. */
function linearModel() {
  const g = new GraphBuilder('linear');
  const x = g.input('x', DataType.FLOAT, ['batch', 32]);
  const W = Float32Array.from({ length: 32 * 16 }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: 16 }, (_, i) => i / 10);
  const y = g.scope('proj', () => {
    const mm = g.op1('MatMul', [x, g.weight('weight', [32, 16], W)]);
    return g.op1('Add', [mm, g.weight('bias', [16], b)]);
  });
  const out = g.op1('Identity', [y]);
  g.output(out, DataType.FLOAT, ['batch', 16]);
  return { model: g.model({ opsets: { '': 17 } }), W, b, output: out };
}

async function run(file: string, outName: string, x: Float32Array) {
  const session = await ort.InferenceSession.create(file);
  try {
    const result = await session.run({ x: new ort.Tensor('float32', x, [x.length / 32, 32]) });
    return result[outName].data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('ONNX toolkit', () => {
  it('writes a model onnxruntime runs, and reads back the same weights', async () => {
    const { model, W, output } = linearModel();
    const file = path.join(dir, 'linear.onnx');
    writeModel(model, file);
    const read = readModel(file);
    const weight = read.proto.graph!.initializer.find((t) => t.name === 'proj.weight')!;
    expect(tensorToFloat32(weight)).toEqual(W);
    const y = await run(file, output, new Float32Array(64).fill(1));
    expect(y).toHaveLength(32);
  });

  it('inspects inputs, outputs, operators, parameters and bytes per dtype', () => {
    const { model } = linearModel();
    const file = path.join(dir, 'inspect.onnx');
    writeModel(model, file);
    const info = inspectModel(readModel(file));
    expect(info.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['batch', 32] }]);
    expect(info.outputs[0].shape).toEqual(['batch', 16]);
    expect(info.ops).toEqual({ Add: 1, Identity: 1, MatMul: 1 });
    expect(info.parameters).toBe(32 * 16 + 16);
    expect(info.byDtype.float32).toEqual({ tensors: 2, parameters: 528, bytes: 2112 });
    expect(info.opsets).toEqual([{ domain: 'ai.onnx', version: 17 }]);
    expect(info.externalDataFiles).toEqual([]);
  });

  it('moves large tensors to 4 KiB-aligned external data that onnxruntime loads', async () => {
    const { model, output } = linearModel();
    const file = path.join(dir, 'external.onnx');
    const written = writeModel(model, file, { externalData: 'always' });
    expect(written.externalBytes).toBe(32 * 16 * 4);
    expect(fs.existsSync(`${file}.data`)).toBe(true);
    const info = inspectModel(readModel(file, { loadExternalData: false }));
    expect(info.externalDataFiles).toEqual([`${file}.data`]);
    const a = await run(path.join(dir, 'linear.onnx'), output, new Float32Array(32).fill(0.5));
    const b = await run(file, output, new Float32Array(32).fill(0.5));
    expect(b).toEqual(a);
    // loading brings the bytes in memory, so the model can be rewritten elsewhere
    const loaded = readModel(file);
    writeModel(loaded.proto, path.join(dir, 'copy', 'internal.onnx'));
    expect(await run(path.join(dir, 'copy', 'internal.onnx'), output, new Float32Array(32).fill(0.5))).toEqual(a);
  });

  describe('bad files get a clear error naming the file, never a crash or a hang', () => {
    const expectFormatError = (file: string, pattern: RegExp) => {
      let error: unknown;
      try {
        readModel(file);
      } catch (err) {
        error = err;
      }
      expect(error, `no error for ${file}`).toBeInstanceOf(OnnxFormatError);
      expect((error as Error).message.startsWith(file)).toBe(true);
      expect((error as Error).message).toMatch(pattern);
    };

    it('missing, empty, a folder, or another format', () => {
      expectFormatError(path.join(dir, 'nope.onnx'), /no such file/);
      fs.writeFileSync(path.join(dir, 'empty.onnx'), '');
      expectFormatError(path.join(dir, 'empty.onnx'), /empty/);
      expectFormatError(dir, /is a folder/);
      fs.writeFileSync(path.join(dir, 'readme.onnx'), '# not a model\nhello');
      expectFormatError(path.join(dir, 'readme.onnx'), /not an ONNX model/);
      fs.writeFileSync(path.join(dir, 'png.onnx'), Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
      expectFormatError(path.join(dir, 'png.onnx'), /not an ONNX model/);
    });

    it('every truncation of a valid model', () => {
      const { model } = linearModel();
      const file = path.join(dir, 'whole.onnx');
      writeModel(model, file);
      const bytes = fs.readFileSync(file);
      const cut = path.join(dir, 'cut.onnx');
      for (let n = 1; n < bytes.length; n += Math.max(1, Math.floor(bytes.length / 150))) {
        fs.writeFileSync(cut, bytes.subarray(0, n));
        expectFormatError(cut, /./);
      }
    });

    it('random bytes (seeded fuzz)', () => {
      let seed = 12345;
      const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const file = path.join(dir, 'random.onnx');
      for (let i = 0; i < 300; i++) {
        const n = 1 + Math.floor(rand() * 2000);
        fs.writeFileSync(file, Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256))));
        expectFormatError(file, /./);
      }
    });

    it('bit flips in a valid model either still read or give a format error', () => {
      const { model } = linearModel();
      const file = path.join(dir, 'flip-src.onnx');
      writeModel(model, file);
      const bytes = fs.readFileSync(file);
      const flipped = path.join(dir, 'flipped.onnx');
      for (let i = 0; i < bytes.length; i += 7) {
        const copy = Buffer.from(bytes);
        copy[i] ^= 0xff;
        fs.writeFileSync(flipped, copy);
        try {
          readModel(flipped);
        } catch (err) {
          expect(err).toBeInstanceOf(OnnxFormatError);
        }
      }
    });

    it('a tensor whose data does not fit its shape', () => {
      const { model } = linearModel();
      const w = model.graph!.initializer.find((t) => t.name === 'proj.weight')!;
      w.dims = [33n, 16n];
      const file = path.join(dir, 'wrong-size.onnx');
      writeModel(model, file);
      expectFormatError(file, /tensor "proj.weight" is float32 \[33, 16\], which takes 2112 bytes, but holds 2048/);
    });

    it('missing, truncated or escaping external data', () => {
      const { model } = linearModel();
      const file = path.join(dir, 'ext', 'm.onnx');
      writeModel(model, file, { externalData: 'always' });
      fs.truncateSync(`${file}.data`, 100);
      expectFormatError(file, /reads bytes 0-2048 of "m.onnx.data", which has only 100/);
      fs.rmSync(`${file}.data`);
      expectFormatError(file, /needs the external data file "m.onnx.data", which is missing/);

      const evil = readModel(file, { loadExternalData: false });
      const t = evil.proto.graph!.initializer.find((x) => x.externalData.length)!;
      t.externalData.find((e) => e.key === 'location')!.value = '../../etc/passwd';
      const evilFile = path.join(dir, 'ext', 'evil.onnx');
      fs.writeFileSync(evilFile, toBinary(ModelProtoSchema, evil.proto));
      expectFormatError(evilFile, /outside the model's folder/);
    });

    it('a node that reads a tensor nothing produces', () => {
      const { model } = linearModel();
      model.graph!.node[0].input[0] = 'ghost';
      const file = path.join(dir, 'dangling.onnx');
      writeModel(model, file);
      expectFormatError(file, /reads "ghost", which no input, initializer or earlier node provides/);
    });
  });
});
