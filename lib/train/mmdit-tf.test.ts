import { toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-node';
import { ModelProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { fixtureMmditConfig } from '../fixtures/bundle';
import { buildMmdit, randomMmditWeights } from '../fixtures/mmdit';
import { Rng } from '../fixtures/random';
import { tf, useWasmBackend } from './backend';
import { loudMmditWeights } from './loud-weights';
import { mmditForward, toVariables } from './mmdit-tf';
import { lossAndGrads } from './gradients';

const cfg = fixtureMmditConfig({ blocks: 3, hidden: 32, heads: 4, latentSize: 8 });


describe('MMDiT weights by name', () => {
  it('building from the seeded weights writes the same graph as building from the seed', () => {
    const fromSeed = toBinary(ModelProtoSchema, buildMmdit(cfg, 11));
    const fromWeights = toBinary(ModelProtoSchema, buildMmdit(cfg, randomMmditWeights(cfg, 11)));
    expect(Buffer.from(fromWeights).equals(Buffer.from(fromSeed))).toBe(true);
  });

  it('refuses weights that are missing, misshapen or unused', () => {
    const w = randomMmditWeights(cfg, 1);
    const { ['proj_out.bias']: _dropped, ...missing } = w;
    expect(() => buildMmdit(cfg, missing)).toThrow(/weights lack proj_out.bias/);
    expect(() => buildMmdit(cfg, { ...w, 'proj_out.bias': { data: new Float32Array(3), dims: [3] } })).toThrow(/dims/);
    expect(() => buildMmdit(cfg, { ...w, extra: { data: new Float32Array(1), dims: [1] } })).toThrow(/does not use: extra/);
  });
});

describe.each([
  ['', cfg],
  [' with the residual output conv', { ...cfg, outputConv: true }],
  [' predicting the clean latent (x-prediction)', { ...cfg, outputConv: true, xPrediction: true }],
  [' with the pixel head, predicting the clean latent', { ...cfg, pixelHead: 8, xPrediction: true }],
])('tfjs MMDiT%s', (_, cfg) => {
  it('matches the ONNX graph in onnxruntime on random inputs', async () => {
    await useWasmBackend();
    const weights = loudMmditWeights(cfg, 5);
    const B = 2;
    const L = 16;
    const rng = new Rng(99);
    const latent = rng.normals(B * cfg.latentChannels * cfg.latentSize ** 2, 1);
    const context = rng.normals(B * L * cfg.jointAttentionDim, 1);
    const pooled = rng.normals(B * cfg.pooledProjectionDim, 1);
    // with x-prediction the first σ (0.02) is under the clamp, the second above it
    const timestep = Float32Array.from([cfg.xPrediction ? 20 : 137.5, 912]);

    const session = await ort.InferenceSession.create(toBinary(ModelProtoSchema, buildMmdit(cfg, weights)), { intraOpNumThreads: 1 });
    const S = cfg.latentSize;
    const expected = (
      await session.run({
        hidden_states: new ort.Tensor('float32', latent, [B, cfg.latentChannels, S, S]),
        encoder_hidden_states: new ort.Tensor('float32', context, [B, L, cfg.jointAttentionDim]),
        pooled_projections: new ort.Tensor('float32', pooled, [B, cfg.pooledProjectionDim]),
        timestep: new ort.Tensor('float32', timestep, [B]),
      })
    ).out_sample.data as Float32Array;
    await session.release();

    const vars = toVariables(weights);
    const out = tf.tidy(() =>
      mmditForward(cfg, vars, {
        latent: tf.tensor4d(latent, [B, cfg.latentChannels, S, S]),
        context: tf.tensor3d(context, [B, L, cfg.jointAttentionDim]),
        pooled: tf.tensor2d(pooled, [B, cfg.pooledProjectionDim]),
        timestep: tf.tensor1d(timestep),
      }),
    );
    expect(out.shape).toEqual([B, cfg.latentChannels, S, S]);
    const got = (await out.data()) as Float32Array;
    out.dispose();
    for (const v of Object.values(vars)) v.dispose();

    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < got.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
      maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
    }
    console.log(`tfjs vs onnxruntime: max |diff| ${maxDiff.toExponential(2)} over outputs up to ${maxAbs.toFixed(2)}`);
    expect(maxAbs).toBeGreaterThan(0.5);
    expect(maxDiff).toBeLessThan(1e-4 * Math.max(1, maxAbs));
  });
});

describe('training gradients', () => {
  it('match finite differences of the loss for every weight, the custom matmul and conv gradients included', async () => {
    await useWasmBackend();
    const small = { ...fixtureMmditConfig({ blocks: 2, hidden: 32, heads: 4, latentSize: 8 }), outputConv: true };
    const vars = toVariables(loudMmditWeights(small, 5));
    const [B, L, S, C] = [3, 16, 8, 4];
    const rng = new Rng(7);
    const x = { batch: B, xt: rng.normals(B * C * S * S, 1), target: rng.normals(B * C * S * S, 1), states: rng.normals(B * L * 32, 1), pooled: rng.normals(B * 32, 1), timestep: Float32Array.from([100, 500, 900]), textLength: L };
    const lossAt = async () => {
      const r = lossAndGrads(small, vars, x);
      const v = (await r.loss.data())[0];
      tf.dispose([r.loss, ...Object.values(r.grads)]);
      return v;
    };
    const { loss, grads } = lossAndGrads(small, vars, x);
    loss.dispose();
    // along one random unit direction per tensor: central difference against the gradient's projection
    const eps = 1e-2;
    const mismatches: string[] = [];
    for (const name of Object.keys(vars).sort()) {
      const v = vars[name];
      const orig = v.dataSync().slice();
      const d = rng.normals(orig.length, 1);
      const norm = Math.hypot(...d);
      const g = grads[name].dataSync() as Float32Array;
      const analytic = g.reduce((s, gi, i) => s + (gi * d[i]) / norm, 0);
      v.assign(tf.tensor(orig.map((o, i) => o + (eps * d[i]) / norm), v.shape));
      const up = await lossAt();
      v.assign(tf.tensor(orig.map((o, i) => o - (eps * d[i]) / norm), v.shape));
      const down = await lossAt();
      v.assign(tf.tensor(orig, v.shape));
      const numeric = (up - down) / (2 * eps);
      const rel = Math.abs(numeric - analytic) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic));
      if (rel > 0.05) mismatches.push(`${name}: gradient ${analytic.toExponential(3)}, finite difference ${numeric.toExponential(3)}`);
    }
    tf.dispose(Object.values(grads));
    for (const v of Object.values(vars)) v.dispose();
    expect(Object.keys(grads)).toContain('conv_out.weight');
    expect(mismatches).toEqual([]);
  });
});
