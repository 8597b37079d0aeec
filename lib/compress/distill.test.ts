import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clone } from '@bufbuild/protobuf';
import { type ModelProto, ModelProtoSchema } from 'onnx-buf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureBundle } from '../fixtures/bundle';
import { readModel, writeModel } from '../onnx/io';
import { calibrationSet } from './calibration';
import { discoverBlocks, type TDiscovery } from './discovery';
import { acceptStudent, distillationPlan, type TDistillationPlan, ZDistillationPlanSchema } from './distill';
import { planPruning } from './plan';
import { reconstructSpans } from './reconstruct';
import { SD35_LARGE_TRANSFORMER_PARAMS } from './sd35-params';
import { readPaperAblation, type TSensitivity } from './sensitivity';
import { removeParts } from './surgery';

const PAPER_FILE = path.resolve(import.meta.dirname, '..', '..', 'data', 'hierarchicalprune', 'sd35-large-turbo-hpsv2-component-ablation.json');

describe('distillationPlan on the paper SD3.5 Large Turbo ablation', () => {
  const s = readPaperAblation(PAPER_FILE);
  const plan = planPruning(s, { budget: 0.72, protectFirst: 20, range: [20, 37], level: 'block', totalParams: SD35_LARGE_TRANSFORMER_PARAMS });
  const d = distillationPlan(plan, s);

  it('freezes every block before the first pruned one and trains the kept blocks after it', () => {
    const first = plan.firstPrunedBlock!;
    expect(first).toBeGreaterThanOrEqual(20);
    expect(d.firstPrunedBlock).toBe(first);
    expect(d.frozen.blocks).toEqual(Array.from({ length: first }, (_, i) => i));
    expect(d.removedBlocks).toEqual([...plan.removedBlocks].sort((a, b) => a - b));
    expect(d.teacherBlocks).toBe(38);
    expect(d.studentBlocks).toBe(38 - plan.removedBlocks.length);
    for (const b of d.blocks) {
      expect(b.frozen).toBe(b.teacher < first);
      expect(b.binaryWeight).toBe(b.teacher < first ? 0 : 1);
      expect(plan.removedBlocks).not.toContain(b.teacher);
    }
    expect(d.frozen.nonBlock).toMatchObject({ frozen: ['pos_embed', 'time_text_embed', 'context_embedder'], trainable: ['norm_out', 'proj_out'] });
    // the student-to-teacher mapping skips the removed blocks
    expect(d.blocks.map((b) => b.student)).toEqual(d.blocks.map((_, i) => i));
    expect(d.blocks.find((b) => b.student === first)!.teacher).toBeGreaterThan(first);
  });

  it('weights the trainable blocks by 1/sensitivity, normalised to mean 1', () => {
    const trainable = d.blocks.filter((b) => !b.frozen);
    expect(trainable.length).toBeGreaterThan(0);
    expect(trainable.reduce((a, b) => a + b.weight, 0)).toBeCloseTo(trainable.length, 9);
    expect(d.blocks.filter((b) => b.frozen).every((b) => b.weight === 0)).toBe(true);
    // inverse order: the most sensitive trainable block gets the least weight
    const bySens = [...trainable].sort((a, b) => a.sensitivity! - b.sensitivity!);
    expect(bySens[0].weight).toBeGreaterThanOrEqual(bySens.at(-1)!.weight);
    const [a, b] = [trainable[0], trainable[1]];
    expect(a.weight / b.weight).toBeCloseTo(b.sensitivity! / a.sensitivity!, 9);
  });

  it('is enabled (compression above 25%) with the losses of METHOD.md, and is valid against its schema', () => {
    expect(d.compressionRatio).toBeCloseTo(1 - plan.ratio, 12);
    expect(d.compressionRatio).toBeGreaterThan(0.25);
    expect(d.enabled).toBe(true);
    expect(d.reason).toMatch(/above the 25\.0%/);
    expect(d.losses.map((l) => [l.name, l.weight])).toEqual([
      ['output', 1],
      ['feature', 1e-4],
      ['ground-truth', 0],
    ]);
    expect(ZDistillationPlanSchema.parse(JSON.parse(JSON.stringify(d)))).toEqual(d);
    expect(ZDistillationPlanSchema.safeParse({ ...d, version: 2 }).success).toBe(false);
  });

  it('is not enabled at 25% or less', () => {
    const light = planPruning(s, { budget: 0.9, protectFirst: 20, range: [20, 37], level: 'block', totalParams: SD35_LARGE_TRANSFORMER_PARAMS });
    const dl = distillationPlan(light, s);
    expect(dl.compressionRatio).toBeLessThanOrEqual(0.25);
    expect(dl.enabled).toBe(false);
    expect(dl.reason).toMatch(/not above 25\.0%/);
  });
});

let dir: string;
let teacher: ModelProto;
let discovery: TDiscovery;
let plan: TDistillationPlan;
const removed = [3, 4].map((block) => ({ stack: 'transformer_blocks', block }));

/** Block-level sensitivity of the fixture: made up but shaped like measured relative errors. */
const fixtureSensitivity = (d: TDiscovery): TSensitivity => ({
  version: 1,
  model: 'fixture',
  source: 'test',
  level: 'block',
  metric: 'relative-error',
  higherIsBetter: false,
  baseline: null,
  blockCount: 6,
  totalParams: d.totalParams,
  entries: d.stacks[0].blocks.map((b) => ({ stack: 'transformer_blocks', block: b.index, component: null, value: 0.01 * (b.index + 1), delta: 0.01 * (b.index + 1), params: b.params })),
});

const write = (model: ModelProto, name: string) => {
  const file = path.join(dir, 'students', name);
  writeModel(model, file);
  return file;
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-distill-'));
  writeFixtureBundle(dir, { blocks: 6 });
  teacher = readModel(path.join(dir, 'transformer', 'model.onnx')).proto;
  discovery = discoverBlocks(teacher);
  plan = distillationPlan(removed, fixtureSensitivity(discovery), discovery, { teacher });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('distillationPlan on a model', () => {
  it('names the frozen embedders and the trained output head, and maps student to teacher blocks', () => {
    expect(plan.frozen.blocks).toEqual([0, 1, 2]);
    expect(plan.frozen.nonBlock.frozen).toEqual(['pos_embed', 'time_text_embed', 'context_embedder']);
    expect(plan.notes).toEqual([expect.stringMatching(/ONNX students written by removeParts keep the teacher numbering/)]);
    expect(plan.frozen.nonBlock.trainable).toEqual(['norm_out', 'proj_out']);
    expect(plan.blocks.map((b) => [b.student, b.teacher])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 5],
    ]);
    // one trainable block: its weight is 1 in both forms
    expect(plan.blocks[3]).toMatchObject({ frozen: false, weight: 1, binaryWeight: 1, studentModule: 'transformer_blocks.3', teacherModule: 'transformer_blocks.5' });
    const removedParams = discovery.stacks[0].blocks[3].params + discovery.stacks[0].blocks[4].params;
    expect(plan.compressionRatio).toBeCloseTo(removedParams / discovery.totalParams, 12);
  });
});

describe('acceptStudent', () => {
  it('accepts a denoiser pruned by removeParts as the student, and one with reconstruction maps folded in', async () => {
    const student = write(removeParts(teacher, removed, discovery).model, 'pruned.onnx');
    const check = acceptStudent(dir, student, plan);
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.blocks).toEqual({ expected: 4, found: 4 });
    expect(check.params!.student).toBeLessThan(check.params!.teacher);

    const pruned = removeParts(teacher, removed, discovery).model;
    const reconstructed = await reconstructSpans(teacher, pruned, removed, await calibrationSet(dir, { count: 4 }));
    expect(acceptStudent(dir, write(reconstructed.model, 'reconstructed.onnx'), plan)).toMatchObject({ ok: true, problems: [] });
  });

  it('rejects a file of random bytes', () => {
    const file = path.join(dir, 'students', 'random.onnx');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) % 251)));
    const check = acceptStudent(dir, file, plan);
    expect(check.ok).toBe(false);
    expect(check.problems).toHaveLength(1);
    expect(check.problems[0]).toMatch(/random\.onnx: not an ONNX model/);
  });

  it('rejects a denoiser with a renamed input', () => {
    const model = clone(ModelProtoSchema, removeParts(teacher, removed, discovery).model);
    const g = model.graph!;
    g.input.find((i) => i.name === 'timestep')!.name = 't';
    for (const n of g.node) n.input = n.input.map((x) => (x === 'timestep' ? 't' : x));
    const check = acceptStudent(dir, write(model, 'renamed.onnx'), plan);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([
      'the student has no input "timestep" (the teacher\'s inputs: hidden_states, encoder_hidden_states, pooled_projections, timestep; the student\'s: hidden_states, encoder_hidden_states, pooled_projections, t)',
      'the student has an extra input "t" the teacher does not have',
    ]);
  });

  it('rejects a denoiser with the wrong block count', () => {
    const check = acceptStudent(dir, write(removeParts(teacher, [removed[0]], discovery).model, 'five-blocks.onnx'), plan);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual(['the student has 5 transformer_blocks blocks, but the plan keeps 4 of the teacher\'s 6 (it removes 3, 4)']);
  });
});
