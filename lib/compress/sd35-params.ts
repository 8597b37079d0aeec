/**
 * Exact parameter counts of the SD3.5 Large MMDiT (diffusers `SD3Transformer2DModel`), computed
 * from its dimensions. The paper's ablation file holds scores only, so the planner needs these to
 * know what removing a component saves. Counting weights AND biases (every Linear here has a
 * bias) matters: rounded figures (~47M, ~35M) would put the budget check off by tens of millions.
 *
 * Config (stabilityai/stable-diffusion-3.5-large): 38 joint blocks, 38 heads x 64 = hidden 2432,
 * MLP 4 x 2432 = 9728, qk_norm "rms_norm", no dual attention, last block "context pre-only".
 */

export const SD35_LARGE = {
  blocks: 38,
  hidden: 2432,
  heads: 38,
  headDim: 64,
  mlp: 9728,
  latentChannels: 16,
  patch: 2,
  jointAttentionDim: 4096,
  pooledProjectionDim: 2048,
  timestepChannels: 256,
} as const;

/** nn.Linear(inFeatures, outFeatures) with a bias. */
export function linearParams(inFeatures: number, outFeatures: number): number {
  return inFeatures * outFeatures + outFeatures;
}

/** The five sub-components of an SD3 joint block, in the order the block runs them. */
export const SD3_COMPONENTS = ['norm1', 'norm1_context', 'attn', 'ff', 'ff_context'] as const;
export type TSd3Component = (typeof SD3_COMPONENTS)[number];

/**
 * Parameters of each sub-component of SD3.5 Large joint block `block` (H = 2432, M = 9728, d = 64):
 * - norm1 (AdaLayerNormZero: SiLU + Linear(H, 6H), LayerNorm without affine): 6H^2 + 6H
 * - norm1_context: the same, except in the context-pre-only last block, whose
 *   AdaLayerNormContinuous is Linear(H, 2H): 2H^2 + 2H
 * - attn (joint attention): to_q, to_k, to_v, add_q_proj, add_k_proj, add_v_proj, to_out[0] and
 *   to_add_out, each Linear(H, H), plus four RMSNorm(d) weights (norm_q, norm_k, norm_added_q,
 *   norm_added_k): 8(H^2 + H) + 4d. The last block has no to_add_out (its context output is never
 *   used): 7(H^2 + H) + 4d
 * - ff (GELU-tanh MLP): Linear(H, M) + Linear(M, H) = 2HM + M + H
 * - ff_context: the same, and 0 in the last block, which has no context MLP
 * norm2 and norm2_context are LayerNorms without affine parameters, so nothing else is in a block.
 */
export function sd35LargeComponentParams(block: number): Record<TSd3Component, number> {
  if (!Number.isInteger(block) || block < 0 || block >= SD35_LARGE.blocks) {
    throw new RangeError(`SD3.5 Large has blocks 0-${SD35_LARGE.blocks - 1} (got ${block})`);
  }
  const { hidden: h, mlp: m, headDim: d } = SD35_LARGE;
  const contextPreOnly = block === SD35_LARGE.blocks - 1;
  const mlp = linearParams(h, m) + linearParams(m, h);
  return {
    norm1: linearParams(h, 6 * h),
    norm1_context: linearParams(h, (contextPreOnly ? 2 : 6) * h),
    attn: (contextPreOnly ? 7 : 8) * linearParams(h, h) + 4 * d,
    ff: mlp,
    ff_context: contextPreOnly ? 0 : mlp,
  };
}

export function sd35LargeBlockParams(block: number): number {
  return Object.values(sd35LargeComponentParams(block)).reduce((a, b) => a + b, 0);
}

/** All 38 joint blocks: 37 x 212,999,680 + 136,085,248 = 8,017,073,408. */
export const SD35_LARGE_BLOCKS_PARAMS = Array.from({ length: SD35_LARGE.blocks }, (_, i) => sd35LargeBlockParams(i)).reduce((a, b) => a + b, 0);

/**
 * Everything outside the blocks (39,554,112): the patch embedding Conv2d(16, H, 2x2) (the
 * positional table is a buffer, not a parameter), the timestep embedder Linear(256, H) +
 * Linear(H, H), the pooled-text embedder Linear(2048, H) + Linear(H, H), the context embedder
 * Linear(4096, H), the output AdaLayerNormContinuous Linear(H, 2H) and proj_out Linear(H, 2*2*16).
 */
export const SD35_LARGE_OUTSIDE_BLOCKS_PARAMS = (() => {
  const { hidden: h, latentChannels: c, patch: p } = SD35_LARGE;
  const patchEmbed = c * p * p * h + h;
  const timestep = linearParams(SD35_LARGE.timestepChannels, h) + linearParams(h, h);
  const pooledText = linearParams(SD35_LARGE.pooledProjectionDim, h) + linearParams(h, h);
  const context = linearParams(SD35_LARGE.jointAttentionDim, h);
  const normOut = linearParams(h, 2 * h);
  const projOut = linearParams(h, p * p * c);
  return patchEmbed + timestep + pooledText + context + normOut + projOut;
})();

/** The whole transformer, 8,056,627,520: what a budget "fraction of parameters kept" divides by. */
export const SD35_LARGE_TRANSFORMER_PARAMS = SD35_LARGE_BLOCKS_PARAMS + SD35_LARGE_OUTSIDE_BLOCKS_PARAMS;

/** Models whose whole-transformer size we know, so a plan over their blocks needs no --total-params. */
export const KNOWN_TRANSFORMER_PARAMS: Record<string, number> = {
  'stabilityai/stable-diffusion-3.5-large': SD35_LARGE_TRANSFORMER_PARAMS,
  'stabilityai/stable-diffusion-3.5-large-turbo': SD35_LARGE_TRANSFORMER_PARAMS,
};
