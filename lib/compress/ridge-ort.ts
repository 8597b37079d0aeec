import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { DataType, GraphBuilder } from '../onnx/builder';
import type { TAffineFit, TMoments } from './ridge';

/**
 * The heavy sums of reconstruction, XᵀX, XᵀY and ‖Y − (XW + b)‖², are matrix products of
 * (tokens x D) activations: at SD3.5's width (D = 2432, 4096 image tokens per input) that is
 * ~5·10¹⁰ multiply-adds per input, minutes in plain JavaScript. onnxruntime's float64 MatMul
 * does them in seconds, in the same float64 the ridge solve uses. The float32 activations are
 * cast to float64 inside the graph.
 */
function momentsGraph(): Uint8Array {
  const g = new GraphBuilder('ridge_moments');
  const x = g.op1('Cast', [g.input('x', DataType.FLOAT, ['rows', 'd'])], { to: DataType.DOUBLE });
  const y = g.op1('Cast', [g.input('y', DataType.FLOAT, ['rows', 'd'])], { to: DataType.DOUBLE });
  const xt = g.op1('Transpose', [x], { perm: [1, 0] });
  const rowsAxis = g.constInt64([0]);
  g.output(g.op1('MatMul', [xt, x], {}, { name: 'xx' }), DataType.DOUBLE, ['d', 'd']);
  g.output(g.op1('MatMul', [xt, y], {}, { name: 'xy' }), DataType.DOUBLE, ['d', 'd']);
  g.output(g.op1('ReduceSum', [x, rowsAxis], { keepdims: 0 }, { name: 'sx' }), DataType.DOUBLE, ['d']);
  g.output(g.op1('ReduceSum', [y, rowsAxis], { keepdims: 0 }, { name: 'sy' }), DataType.DOUBLE, ['d']);
  return toBinary(ModelProtoSchema, g.model({ opsets: { '': 17 } }));
}

function residualGraph(): Uint8Array {
  const g = new GraphBuilder('ridge_residual');
  const x = g.op1('Cast', [g.input('x', DataType.FLOAT, ['rows', 'd'])], { to: DataType.DOUBLE });
  const y = g.op1('Cast', [g.input('y', DataType.FLOAT, ['rows', 'd'])], { to: DataType.DOUBLE });
  const fitted = g.op1('Add', [g.op1('MatMul', [x, g.input('w', DataType.DOUBLE, ['d', 'd'])]), g.input('b', DataType.DOUBLE, ['d'])]);
  const sumSq = (t: string, name: string) => g.op1('ReduceSum', [g.op1('Mul', [t, t])], { keepdims: 0 }, { name });
  g.output(sumSq(g.op1('Sub', [y, fitted]), 'after'), DataType.DOUBLE, []);
  g.output(sumSq(g.op1('Sub', [y, x]), 'before'), DataType.DOUBLE, []);
  g.output(sumSq(y, 'energy'), DataType.DOUBLE, []);
  return toBinary(ModelProtoSchema, g.model({ opsets: { '': 17 } }));
}

const out = (r: ort.InferenceSession.ReturnType, prefix: string) => r[Object.keys(r).find((k) => k.startsWith(`/${prefix}`))!].data as Float64Array;

export class RidgeKernels {
  private constructor(
    private readonly moments: ort.InferenceSession,
    private readonly residual: ort.InferenceSession,
  ) {}

  static async create(threads = 1): Promise<RidgeKernels> {
    const opts = { intraOpNumThreads: threads, interOpNumThreads: 1 };
    return new RidgeKernels(await ort.InferenceSession.create(momentsGraph(), opts), await ort.InferenceSession.create(residualGraph(), opts));
  }

  /** XᵀX, XᵀY and the column sums of `rows` rows of x and y (D values each, row-major). */
  async momentsOf(x: Float32Array, y: Float32Array, rows: number, d: number): Promise<TMoments> {
    const r = await this.moments.run({ x: new ort.Tensor('float32', x, [rows, d]), y: new ort.Tensor('float32', y, [rows, d]) });
    return { rows, xx: out(r, 'xx'), xy: out(r, 'xy'), sx: out(r, 'sx'), sy: out(r, 'sy') };
  }

  /** Σ‖y − (xW + b)‖², Σ‖y − x‖² and Σ‖y‖² over the rows. */
  async residualOf(x: Float32Array, y: Float32Array, rows: number, fit: Pick<TAffineFit, 'weight' | 'bias'>): Promise<{ after: number; before: number; energy: number }> {
    const d = fit.bias.length;
    const r = await this.residual.run({
      x: new ort.Tensor('float32', x, [rows, d]),
      y: new ort.Tensor('float32', y, [rows, d]),
      w: new ort.Tensor('float64', Float64Array.from(fit.weight), [d, d]),
      b: new ort.Tensor('float64', Float64Array.from(fit.bias), [d]),
    });
    return { after: out(r, 'after')[0], before: out(r, 'before')[0], energy: out(r, 'energy')[0] };
  }

  async release(): Promise<void> {
    await Promise.all([this.moments.release(), this.residual.release()]);
  }
}
