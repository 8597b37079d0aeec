import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors';
import { OnnxFormatError } from '../onnx/errors';
import { inspectModel, type TValueInfo } from '../onnx/inspect';
import { readModel, type TOnnxModel } from '../onnx/io';
import { countWeightParams, discoverBlocks } from './discovery';
import { type TDistillationPlan, ZDistillationPlanSchema } from './distill-schema';

export type TStudentCheck = {
  ok: boolean;
  /** Why the student does not fit the plan, one sentence each; empty when ok. */
  problems: string[];
  /** Things worth knowing that are not problems. */
  notes: string[];
  /** Parameters of the student and the teacher denoiser (null when the student could not be read). */
  params: { student: number; teacher: number; ratio: number } | null;
  blocks: { expected: number; found: number } | null;
};

const shapeOf = (v: TValueInfo) => (v.shape === null ? 'unknown rank' : `rank ${v.shape.length}`);

function compareValues(kind: 'input' | 'output', teacher: TValueInfo[], student: TValueInfo[]): string[] {
  const problems: string[] = [];
  const names = student.map((v) => v.name);
  for (const t of teacher) {
    const s = student.find((v) => v.name === t.name);
    if (!s) {
      problems.push(`the student has no ${kind} "${t.name}" (the teacher's ${kind}s: ${teacher.map((v) => v.name).join(', ')}; the student's: ${names.join(', ') || 'none'})`);
      continue;
    }
    if (s.dtype !== t.dtype) problems.push(`${kind} "${t.name}" is ${s.dtype} in the student but ${t.dtype} in the teacher`);
    if (s.shape !== null && t.shape !== null && s.shape.length !== t.shape.length) problems.push(`${kind} "${t.name}" has ${shapeOf(s)} in the student but ${shapeOf(t)} in the teacher`);
  }
  for (const s of student) if (!teacher.some((t) => t.name === s.name)) problems.push(`the student has an extra ${kind} "${s.name}" the teacher does not have`);
  return problems;
}

/** Blocks that hold computation: weights alone (a folded reconstruction map is named after its span) do not make a block. */
function blockIndices(model: TOnnxModel, stack: string): number[] | null {
  const s = discoverBlocks(model.proto).stacks.find((x) => x.name === stack);
  return s ? s.blocks.filter((b) => b.nodes.length > 0).map((b) => b.index) : null;
}

/**
 * Checks a distilled student denoiser against the plan it was trained under: a readable ONNX
 * model, the teacher denoiser's inputs and outputs (names, dtypes, ranks), and the block count
 * the plan implies (blocks numbered as the teacher's kept blocks, as removeParts writes them, or
 * 0..n-1). A mismatch is reported in `problems`, never thrown; an unreadable student file is a
 * problem too (the OnnxFormatError's message). An invalid plan or an unreadable teacher throws.
 */
export function acceptStudent(teacherBundleDir: string, studentDenoiserFile: string, planInput: TDistillationPlan): TStudentCheck {
  const parsed = ZDistillationPlanSchema.safeParse(planInput);
  if (!parsed.success) throw new AppError('BAD_REQUEST', `not a valid distillation plan: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`);
  const plan = parsed.data;
  const teacher = readModel(path.join(teacherBundleDir, 'transformer', 'model.onnx'), { loadExternalData: false });

  let student: TOnnxModel;
  try {
    student = readModel(studentDenoiserFile, { loadExternalData: false });
  } catch (err) {
    if (!(err instanceof OnnxFormatError)) throw err;
    return { ok: false, problems: [err.message], notes: [], params: null, blocks: null };
  }
  const problems: string[] = [];
  const notes: string[] = [];
  const ti = inspectModel(teacher);
  const si = inspectModel(student);
  for (const f of si.externalDataFiles) if (!fs.existsSync(f)) problems.push(`the student's external data file ${f} is missing`);
  problems.push(...compareValues('input', ti.inputs, si.inputs), ...compareValues('output', ti.outputs, si.outputs));

  const teacherBlocks = blockIndices(teacher, plan.stack);
  if (teacherBlocks === null || teacherBlocks.length !== plan.teacherBlocks) {
    problems.push(`the plan is for a teacher with ${plan.teacherBlocks} ${plan.stack} blocks, but this teacher has ${teacherBlocks?.length ?? 0}: the plan was made for another model`);
  }
  const found = blockIndices(student, plan.stack);
  const foundCount = found?.length ?? 0;
  if (foundCount !== plan.studentBlocks) {
    problems.push(`the student has ${foundCount} ${plan.stack} blocks, but the plan keeps ${plan.studentBlocks} of the teacher's ${plan.teacherBlocks} (it removes ${plan.removedBlocks.join(', ') || 'none'})`);
  } else if (found) {
    const teacherNumbering = plan.blocks.map((b) => b.teacher);
    const renumbered = plan.blocks.map((b) => b.student);
    const same = (xs: number[]) => xs.length === found.length && xs.every((x, i) => x === found[i]);
    if (!same(teacherNumbering) && !same(renumbered)) {
      problems.push(`the student's ${plan.stack} blocks are numbered ${found.join(', ')}: expected the kept teacher blocks ${teacherNumbering.join(', ')} or 0-${plan.studentBlocks - 1}`);
    }
  }
  for (const other of plan.frozen.otherStacks) {
    const n = blockIndices(student, other.name)?.length ?? 0;
    if (n !== other.blocks) problems.push(`the student has ${n} ${other.name} blocks; the plan keeps all ${other.blocks}`);
  }

  const params = { student: countWeightParams(student.proto.graph!), teacher: countWeightParams(teacher.proto.graph!), ratio: 0 };
  params.ratio = params.student / params.teacher;
  if (params.student > params.teacher) problems.push(`the student has more parameters (${params.student}) than the teacher (${params.teacher})`);
  if (!plan.enabled) notes.push(`the plan does not call for distillation (${plan.reason})`);
  return { ok: problems.length === 0, problems, notes, params, blocks: { expected: plan.studentBlocks, found: foundCount } };
}
