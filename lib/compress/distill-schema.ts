import { z } from 'zod';

/**
 * The distillation plan: what external training code needs to distil a pruned student from its
 * teacher the HierarchicalPrune way (PWP + SGDistill). Versioned; `distillationPlan` writes it,
 * `acceptStudent` checks a trained student against it.
 */

export const ZDistillationBlockSchema = z.object({
  /** The block's index in the teacher (and its name in ONNX students written by removeParts, which keep teacher numbering). */
  teacher: z.number().int().min(0),
  /** Its position among the student's blocks, 0-based (the index a student built with fewer layers uses). */
  student: z.number().int().min(0),
  teacherModule: z.string().min(1),
  studentModule: z.string().min(1),
  /** PWP: blocks before the first pruned block are frozen. */
  frozen: z.boolean(),
  /** |ΔP| of the block from the sensitivity data (summed over its components); null if the data has no entry. */
  sensitivity: z.number().min(0).nullable(),
  /** SGDistill, the paper's form: ∝ 1/sensitivity over the trainable blocks, mean 1 there; 0 when frozen. */
  weight: z.number().min(0),
  /** SGDistill, the official code's form: 1 trainable, 0 frozen. */
  binaryWeight: z.union([z.literal(0), z.literal(1)]),
  /** Components removed from this kept block (component-level plans). */
  removedComponents: z.array(z.string()),
});
export type TDistillationBlock = z.infer<typeof ZDistillationBlockSchema>;

export const ZDistillationLossSchema = z.object({
  name: z.enum(['output', 'feature', 'ground-truth']),
  kind: z.literal('mse'),
  weight: z.number().min(0),
  description: z.string().min(1),
});
export type TDistillationLoss = z.infer<typeof ZDistillationLossSchema>;

export const ZDistillationPlanSchema = z
  .object({
    version: z.literal(1),
    method: z.literal('hierarchicalprune-sgdistill'),
    model: z.string().min(1),
    /** The block stack that was pruned. */
    stack: z.string().min(1),
    /** The sensitivity metric the weights come from (e.g. HPSv2, relative-error). */
    metric: z.string().min(1),
    teacherBlocks: z.number().int().min(1),
    studentBlocks: z.number().int().min(0),
    /** Teacher indices of the blocks removed whole. */
    removedBlocks: z.array(z.number().int().min(0)),
    removedComponents: z.array(z.object({ block: z.number().int().min(0), component: z.string().min(1) })),
    firstPrunedBlock: z.number().int().min(0).nullable(),
    /** Fraction of the whole denoiser's parameters removed (1 − kept/total). */
    compressionRatio: z.number().min(0).max(1),
    /** Distillation is enabled when compressionRatio exceeds this. */
    threshold: z.number().min(0).max(1),
    enabled: z.boolean(),
    reason: z.string().min(1),
    frozen: z.object({
      rule: z.string().min(1),
      /** Teacher indices of the frozen blocks of `stack`. */
      blocks: z.array(z.number().int().min(0)),
      /** Parameters outside the blocks: top-level modules frozen (before the blocks) and trained (after them); null when not known. */
      nonBlock: z.object({ rule: z.string().min(1), frozen: z.array(z.string()).nullable(), trainable: z.array(z.string()).nullable() }),
      /** Other block stacks of the model: frozen whole when they run before the first pruned block. */
      otherStacks: z.array(z.object({ name: z.string().min(1), blocks: z.number().int().min(0), frozen: z.boolean() })),
    }),
    weighting: z.object({ rule: z.string().min(1), floor: z.number().min(0) }),
    /** The kept blocks of `stack`, in order: the student-to-teacher block mapping. */
    blocks: z.array(ZDistillationBlockSchema),
    losses: z.array(ZDistillationLossSchema),
    notes: z.array(z.string()),
  })
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (p.blocks.length !== p.studentBlocks) issue(['blocks'], `lists ${p.blocks.length} kept blocks but studentBlocks is ${p.studentBlocks}`);
    if (p.studentBlocks + p.removedBlocks.length !== p.teacherBlocks) issue(['studentBlocks'], `${p.studentBlocks} kept + ${p.removedBlocks.length} removed ≠ ${p.teacherBlocks} teacher blocks`);
    const removed = new Set(p.removedBlocks);
    p.blocks.forEach((b, i) => {
      if (b.student !== i) issue(['blocks', i, 'student'], `student indices must run 0, 1, 2, … (got ${b.student} at position ${i})`);
      if (removed.has(b.teacher)) issue(['blocks', i, 'teacher'], `block ${b.teacher} is listed as removed`);
      if (i > 0 && b.teacher <= p.blocks[i - 1].teacher) issue(['blocks', i, 'teacher'], 'teacher indices must increase');
      const shouldFreeze = p.firstPrunedBlock !== null && b.teacher < p.firstPrunedBlock;
      if (p.firstPrunedBlock !== null && b.frozen !== shouldFreeze) issue(['blocks', i, 'frozen'], `block ${b.teacher} must be ${shouldFreeze ? 'frozen' : 'trainable'} (first pruned block ${p.firstPrunedBlock})`);
      if (b.binaryWeight !== (b.frozen ? 0 : 1)) issue(['blocks', i, 'binaryWeight'], 'must be 0 for a frozen block and 1 for a trainable one');
    });
  });
export type TDistillationPlan = z.infer<typeof ZDistillationPlanSchema>;
