import { FLOW_TIMESTEPS, type TMmditConfig, type TWeights, X_PREDICTION_MIN_SIGMA } from '../fixtures/mmdit';
import { tf } from './backend';

/**
 * The fixture MMDiT's forward pass (lib/fixtures/mmdit.ts) in tfjs, over the same weights by the
 * same names, so weights trained here write back through buildMmdit unchanged. Written for the
 * wasm backend: linear layers are plain 2-D matmuls with a gradient that also uses plain 2-D
 * matmuls (XNNPACK serves only those fast), and no transpose has more than 4 dimensions.
 */
export type TTfWeights = Record<string, tf.Variable>;

export type TMmditInputs = {
  /** [B, C, S, S] */
  latent: tf.Tensor4D;
  /** [B, L, jointAttentionDim] */
  context: tf.Tensor3D;
  /** [B, pooledProjectionDim] */
  pooled: tf.Tensor2D;
  /** [B], on the 0..1000 scale the sampler feeds */
  timestep: tf.Tensor1D;
};

const TIMESTEP_CHANNELS = 256;
const LN_EPS = 1e-6;

export function toVariables(weights: TWeights, trainable = true): TTfWeights {
  const out: TTfWeights = {};
  for (const [name, w] of Object.entries(weights)) out[name] = tf.variable(tf.tensor(w.data, w.dims), trainable);
  return out;
}

/** The variables' current values as TWeights (copies). */
export async function fromVariables(vars: TTfWeights): Promise<TWeights> {
  const out: TWeights = {};
  for (const [name, v] of Object.entries(vars)) out[name] = { data: Float32Array.from(await v.data()), dims: [...v.shape] };
  return out;
}

/** a @ b for 2-D tensors, with a gradient of explicit transposes and plain matmuls. */
const matMul2d = tf.customGrad((...args: unknown[]) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy, saved) => {
      const [sx, sw] = saved as tf.Tensor2D[];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dy as tf.Tensor2D)];
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

function param(w: TTfWeights, name: string): tf.Variable {
  const v = w[name];
  if (!v) throw new Error(`tfjs MMDiT: no weight ${name}`);
  return v;
}

/** torch Linear as the fixture exports it: x @ weight + bias, weight [in, out], over the last axis. */
function linear(w: TTfWeights, scope: string, x: tf.Tensor, bias = true): tf.Tensor {
  const W = param(w, `${scope}.weight`) as tf.Tensor2D;
  const shape = x.shape;
  const y = matMul2d(x.reshape([-1, shape[shape.length - 1]]) as tf.Tensor2D, W);
  const out = bias ? tf.add(y, param(w, `${scope}.bias`)) : y;
  return out.reshape([...shape.slice(0, -1), W.shape[1]]);
}

function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

function geluTanh(x: tf.Tensor): tf.Tensor {
  // x·x·x rather than pow(x, 3): the wasm backend's Pow (and its gradient) is ~10x slower here
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, tf.add(tf.tanh(inner), 1)), 0.5);
}

function layerNormPlain(x: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LN_EPS)));
}

/** normed · (1 + scale) + shift, with [B, 1, D] modulations. */
function modulate(normed: tf.Tensor, shift: tf.Tensor, scale: tf.Tensor): tf.Tensor {
  return tf.add(tf.mul(normed, tf.add(scale, 1)), shift);
}

/** A [B, k·D] AdaLN projection split into k tensors of [B, 1, D]. */
function chunks(mod: tf.Tensor, k: number): tf.Tensor[] {
  return tf.split(mod, k, 1).map((x) => x.expandDims(1));
}

function feedForward(w: TTfWeights, scope: string, x: tf.Tensor): tf.Tensor {
  return linear(w, `${scope}.net.2`, geluTanh(linear(w, `${scope}.net.0.proj`, x)));
}

/** [B, N, D] → [B, H, N, Dh] */
function heads(x: tf.Tensor, h: number): tf.Tensor4D {
  const [B, N, D] = x.shape;
  return x.reshape([B, N, h, D / h]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
}

/** [B, C, S, S] → [B, tokens, C·p·p], the order the patch conv's weight [D, C, p, p] flattens in. */
function patchify(x: tf.Tensor4D, p: number): tf.Tensor3D {
  const [B, C, S] = x.shape;
  const g = S / p;
  const rows = x.reshape([B * C * g, p, g, p]).transpose([0, 2, 1, 3]); // (b,c,gy) gx py px
  return rows.reshape([B, C, g * g, p * p]).transpose([0, 2, 1, 3]).reshape([B, g * g, C * p * p]) as tf.Tensor3D;
}

/** [B, tokens, p·p·C] → [B, C, S, S], as the ONNX graph's Reshape/Transpose(0,5,1,3,2,4) does. */
function unpatchify(x: tf.Tensor, p: number, C: number): tf.Tensor4D {
  const [B, T] = x.shape as [number, number];
  const g = Math.round(Math.sqrt(T));
  const perChannel = x.reshape([B, T, p * p, C]).transpose([0, 3, 1, 2]); // b c (gy gx) (py px)
  return perChannel.reshape([B * C * g, g, p, p]).transpose([0, 2, 1, 3]).reshape([B, C, g * p, g * p]) as tf.Tensor4D;
}

function jointBlock(w: TTfWeights, i: number, h: tf.Tensor, c: tf.Tensor, tembAct: tf.Tensor, nHeads: number, last: boolean): [tf.Tensor, tf.Tensor] {
  const s = `transformer_blocks.${i}`;
  const tokens = h.shape[1]!;
  const [shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp] = chunks(linear(w, `${s}.norm1.linear`, tembAct), 6);
  const normH = modulate(layerNormPlain(h), shiftMsa, scaleMsa);
  const cMods = chunks(linear(w, `${s}.norm1_context.linear`, tembAct), last ? 2 : 6);
  // the context-pre-only block's AdaLayerNormContinuous gives (scale, shift), the others (shift, scale, ...)
  const normC = last ? modulate(layerNormPlain(c), cMods[1], cMods[0]) : modulate(layerNormPlain(c), cMods[0], cMods[1]);

  const a = `${s}.attn`;
  const qkv = (img: string, ctx: string) => heads(tf.concat([linear(w, `${a}.${img}`, normH), linear(w, `${a}.${ctx}`, normC)], 1), nHeads);
  const q = qkv('to_q', 'add_q_proj');
  const k = qkv('to_k', 'add_k_proj');
  const v = qkv('to_v', 'add_v_proj');
  const headDim = q.shape[3];
  const probs = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim)));
  const [B, H, N] = probs.shape;
  const joint = tf.matMul(probs, v).transpose([0, 2, 1, 3]).reshape([B, N, H * headDim]);
  const attnH = linear(w, `${a}.to_out.0`, joint.slice([0, 0, 0], [-1, tokens, -1]));

  let hOut = tf.add(h, tf.mul(gateMsa, attnH));
  hOut = tf.add(hOut, tf.mul(gateMlp, feedForward(w, `${s}.ff`, modulate(layerNormPlain(hOut), shiftMlp, scaleMlp))));
  if (last) return [hOut, c];

  const attnC = linear(w, `${a}.to_add_out`, joint.slice([0, tokens, 0], [-1, -1, -1]));
  const [, , cGateMsa, cShiftMlp, cScaleMlp, cGateMlp] = cMods;
  let cOut = tf.add(c, tf.mul(cGateMsa, attnC));
  cOut = tf.add(cOut, tf.mul(cGateMlp, feedForward(w, `${s}.ff_context`, modulate(layerNormPlain(cOut), cShiftMlp, cScaleMlp))));
  return [hOut, cOut];
}

/** The predicted velocity [B, C, S, S]; call inside tf.tidy (or a gradient function). */
export function mmditForward(cfg: TMmditConfig, w: TTfWeights, x: TMmditInputs): tf.Tensor4D {
  const { hidden: D, patchSize: p, latentChannels: C } = cfg;
  const convW = param(w, 'pos_embed.proj.weight').reshape([D, C * p * p]).transpose() as tf.Tensor2D;
  const patches = patchify(x.latent, p);
  const [B, T] = patches.shape;
  let h: tf.Tensor = matMul2d(patches.reshape([B * T, C * p * p]) as tf.Tensor2D, convW);
  h = tf.add(tf.add(h, param(w, 'pos_embed.proj.bias')).reshape([B, T, D]), param(w, 'pos_embed.pos_embed'));

  const half = TIMESTEP_CHANNELS / 2;
  const freqs = tf.tensor2d(Float32Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half)), [1, half]);
  const args = tf.mul(x.timestep.expandDims(1), freqs);
  const tproj = tf.concat([tf.cos(args), tf.sin(args)], 1);
  const t = linear(w, 'time_text_embed.timestep_embedder.linear_2', silu(linear(w, 'time_text_embed.timestep_embedder.linear_1', tproj)));
  const txt = linear(w, 'time_text_embed.text_embedder.linear_2', silu(linear(w, 'time_text_embed.text_embedder.linear_1', x.pooled)));
  const tembAct = silu(tf.add(t, txt));

  let c = linear(w, 'context_embedder', x.context);
  for (let i = 0; i < cfg.blocks; i++) [h, c] = jointBlock(w, i, h, c, tembAct, cfg.heads, i === cfg.blocks - 1);

  const [scale, shift] = chunks(linear(w, 'norm_out.linear', tembAct), 2);
  const out = linear(w, 'proj_out', modulate(layerNormPlain(h), shift, scale));
  const image = unpatchify(out, p, cfg.pixelHead || C);
  let refined = image;
  if (cfg.pixelHead) {
    const hidden = silu(conv3x3(tf.concat([image, x.latent], 1) as tf.Tensor4D, param(w, 'pixel_head.conv1.weight'), param(w, 'pixel_head.conv1.bias'))) as tf.Tensor4D;
    refined = conv3x3(hidden, param(w, 'pixel_head.conv2.weight'), param(w, 'pixel_head.conv2.bias'));
  } else if (cfg.outputConv) refined = tf.add(image, conv3x3(image, param(w, 'conv_out.weight'), param(w, 'conv_out.bias'))) as tf.Tensor4D;
  if (!cfg.xPrediction) return refined;
  // x̂0 → velocity, as the ONNX graph's x_prediction scope
  const sigma = tf.maximum(tf.div(x.timestep, FLOW_TIMESTEPS), X_PREDICTION_MIN_SIGMA).reshape([-1, 1, 1, 1]);
  return tf.div(tf.sub(x.latent, refined), sigma) as tf.Tensor4D;
}

/**
 * A 3x3 convolution with padding 1, [B, C, S, S] → [B, Cout, S, S], as ONNX's Conv with weight
 * [Cout, C, 3, 3]. Built from a pad, nine slices and one plain matmul (im2col): tfjs-wasm has no
 * kernel for a convolution's filter gradient, and these ops all have fast gradients.
 */
function conv3x3(x: tf.Tensor4D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor4D {
  const [B, C, S] = x.shape;
  const cout = weight.shape[0];
  const padded = tf.pad(x, [
    [0, 0],
    [0, 0],
    [1, 1],
    [1, 1],
  ]);
  const taps: tf.Tensor[] = [];
  for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) taps.push(padded.slice([0, 0, ky, kx], [B, C, S, S]).reshape([B, C, 1, S * S]));
  // [B, C, 9, S·S] → rows (b, pixel), columns (c, ky, kx): the order the weight flattens in
  const cols = tf.concat(taps, 2).reshape([B, C * 9, S * S]).transpose([0, 2, 1]).reshape([B * S * S, C * 9]) as tf.Tensor2D;
  const y = tf.add(matMul2d(cols, weight.reshape([cout, C * 9]).transpose() as tf.Tensor2D), bias);
  return y.reshape([B, S * S, cout]).transpose([0, 2, 1]).reshape([B, cout, S, S]) as tf.Tensor4D;
}
