import { describe, expect, it } from 'vitest';
import { fixtureMmditConfig } from '../fixtures/bundle';
import { randomMmditWeights, type TMmditConfig } from '../fixtures/mmdit';
import { Rng } from '../fixtures/random';
import { useWasmBackend } from './backend';
import { lossAndGrads, type TStepInputs } from './gradients';
import { toVariables } from './mmdit-tf';
import { loudMmditWeights } from './loud-weights';
import { OnnxGradients } from './onnx-gradients';

const base = fixtureMmditConfig({ blocks: 3, hidden: 32, heads: 4, latentSize: 8 });

function inputs(cfg: TMmditConfig, B: number, L: number, timestep: number[]): TStepInputs {
  const rng = new Rng(1);
  const n = B * cfg.latentChannels * cfg.latentSize ** 2;
  return { batch: B, xt: rng.normals(n, 1), target: rng.normals(n, 1), states: rng.normals(B * L * cfg.jointAttentionDim, 1), pooled: rng.normals(B * cfg.pooledProjectionDim, 1), timestep: Float32Array.from(timestep), textLength: L };
}

describe.each([
  ['', base],
  [' with the residual output conv', { ...base, outputConv: true }],
  [' with the pixel head, predicting the clean latent', { ...base, pixelHead: 8, xPrediction: true }],
])('onnxruntime gradients of the MMDiT%s', (_, cfg) => {
  it('match the tfjs engine for every weight', async () => {
    await useWasmBackend();
    const weights = loudMmditWeights(cfg, 5);
    // with x-prediction the first σ (0.02) is under the clamp
    const x = inputs(cfg, 3, 6, [20, 500, 900]);
    const expected = lossAndGrads(cfg, toVariables(weights), x);
    const engine = await OnnxGradients.create(cfg, 3, 6, { threads: 1 });
    const got = await engine.lossAndGrads(weights, x);
    await engine.close();
    const loss = expected.loss.dataSync()[0];
    expect(Math.abs(got.loss - loss) / loss).toBeLessThan(1e-5);
    expect(Object.keys(got.grads).sort()).toEqual(Object.keys(expected.grads).sort());
    const silent = Object.entries(expected.grads).filter(([, g]) => (g.dataSync() as Float32Array).every((v) => v === 0));
    expect(silent.map(([name]) => name).sort()).toEqual([`transformer_blocks.${cfg.blocks - 1}.attn.add_q_proj.bias`, `transformer_blocks.${cfg.blocks - 1}.attn.add_q_proj.weight`]);
    for (const [name, g] of Object.entries(expected.grads)) {
      const want = g.dataSync() as Float32Array;
      const have = got.grads[name];
      let num = 0;
      let den = 0;
      for (let i = 0; i < want.length; i++) {
        num += (want[i] - have[i]) ** 2;
        den += want[i] ** 2;
      }
      // the last block's context queries feed nothing (its context output is dropped): zero in both
      if (den === 0) expect(num, `${name}: zero gradient in tfjs`).toBe(0);
      else expect(Math.sqrt(num / den), name).toBeLessThan(1e-4);
    }
  });
});

describe('onnxruntime gradient engine', () => {
  it('refuses a batch or text length it was not built for, and weights it lacks', async () => {
    const engine = await OnnxGradients.create(base, 2, 6, { threads: 1 });
    const weights = randomMmditWeights(base, 0);
    await expect(engine.lossAndGrads(weights, inputs(base, 3, 6, [1, 2, 3]))).rejects.toThrow(/built for batch 2 and 6 text tokens, not 3 and 6/);
    const { ['proj_out.bias']: _dropped, ...missing } = weights;
    await expect(engine.lossAndGrads(missing, inputs(base, 2, 6, [1, 2]))).rejects.toThrow(/no value for weight proj_out.bias/);
    await engine.close();
  });
});
