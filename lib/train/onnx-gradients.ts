import os from 'node:os';
import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { buildMmdit, MMDIT_IO, randomMmditWeights, type TMmditConfig, type TWeights } from '../fixtures/mmdit';
import { GRAD_PREFIX, gradientModel, LOSS_OUTPUT, TARGET_INPUT, tensorShapes } from '../onnx/autodiff';
import type { TStepInputs } from './gradients';

/**
 * The training step's loss and gradients computed by onnxruntime: the MMDiT's own inference graph
 * (buildMmdit) with its backward pass appended (lib/onnx/autodiff.ts), for one batch size and
 * text length. The weights are inputs, fed afresh each step. The same MSE of the predicted
 * velocity as `lossAndGrads` in gradients.ts (the tfjs engine), which the tests compare it with.
 */
export class OnnxGradients {
  readonly tensors: number[] = [];

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly mmdit: TMmditConfig,
    private readonly params: { name: string; dims: number[] }[],
    readonly batch: number,
    readonly textLength: number,
  ) {}

  /** `threads`: onnxruntime's intra-op threads (default: one per core). */
  static async create(mmdit: TMmditConfig, batch: number, textLength: number, o: { threads?: number } = {}): Promise<OnnxGradients> {
    const weights = randomMmditWeights(mmdit, 0);
    const forward = buildMmdit(mmdit, weights);
    const { latentChannels: C, latentSize: S } = mmdit;
    const zeros = (dims: number[]) => new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    const probe = {
      hidden_states: zeros([batch, C, S, S]),
      encoder_hidden_states: zeros([batch, textLength, mmdit.jointAttentionDim]),
      pooled_projections: zeros([batch, mmdit.pooledProjectionDim]),
      timestep: new ort.Tensor('float32', new Float32Array(batch).fill(500), [batch]),
    };
    const shapes = await tensorShapes(forward, probe);
    const names = Object.keys(weights).sort();
    const model = gradientModel(forward, { params: names, output: MMDIT_IO.output, shapes });
    const threads = o.threads ?? Math.max(1, os.availableParallelism());
    const session = await ort.InferenceSession.create(toBinary(ModelProtoSchema, model), { intraOpNumThreads: threads, interOpNumThreads: 1 });
    return new OnnxGradients(session, mmdit, names.map((name) => ({ name, dims: weights[name].dims })), batch, textLength);
  }

  async lossAndGrads(weights: TWeights, x: TStepInputs): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
    if (x.batch !== this.batch || x.textLength !== this.textLength) {
      throw new Error(`this gradient graph was built for batch ${this.batch} and ${this.textLength} text tokens, not ${x.batch} and ${x.textLength}`);
    }
    const { latentChannels: C, latentSize: S } = this.mmdit;
    const B = x.batch;
    const feeds: Record<string, ort.Tensor> = {
      hidden_states: new ort.Tensor('float32', x.xt, [B, C, S, S]),
      encoder_hidden_states: new ort.Tensor('float32', x.states, [B, x.textLength, x.states.length / (B * x.textLength)]),
      pooled_projections: new ort.Tensor('float32', x.pooled, [B, x.pooled.length / B]),
      timestep: new ort.Tensor('float32', x.timestep, [B]),
      [TARGET_INPUT]: new ort.Tensor('float32', x.target, [B, C, S, S]),
    };
    for (const { name, dims } of this.params) {
      const w = weights[name];
      if (!w) throw new Error(`no value for weight ${name}`);
      feeds[name] = new ort.Tensor('float32', w.data, dims);
    }
    const out = await this.session.run(feeds);
    const grads: Record<string, Float32Array> = {};
    for (const { name } of this.params) grads[name] = out[GRAD_PREFIX + name].data as Float32Array;
    return { loss: (out[LOSS_OUTPUT].data as Float32Array)[0], grads };
  }

  async close() {
    await this.session.release();
  }
}
