import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { TWeights } from '../fixtures/mmdit';

/**
 * A training checkpoint folder: state.json (step, seed, configuration, tensor index) and one
 * float32 file per tensor group (weights, adam-m, adam-v). Written beside the target and swapped
 * in by renames, so a run killed mid-save leaves the previous checkpoint whole.
 */
const ZTensorIndex = z.array(z.object({ name: z.string(), dims: z.array(z.number().int().nonnegative()) }));

export const ZCheckpointState = z.object({
  format: z.literal('prunearena-train/1'),
  step: z.number().int().nonnegative(),
  adamStep: z.number().int().nonnegative(),
  config: z.record(z.string(), z.unknown()),
  tensors: ZTensorIndex,
});
export type TCheckpointState = z.infer<typeof ZCheckpointState>;

export type TCheckpoint = Omit<TCheckpointState, 'format' | 'tensors'> & { weights: TWeights; adamM: TWeights; adamV: TWeights; ema?: TWeights };

const GROUPS = { weights: 'weights.f32', adamM: 'adam-m.f32', adamV: 'adam-v.f32' } as const;
/** The weights' moving average: absent from checkpoints written before it existed. */
const EMA_FILE = 'ema.f32';

function writeGroup(file: string, names: string[], group: TWeights) {
  const fd = fs.openSync(file, 'w');
  try {
    for (const n of names) {
      const d = group[n].data;
      fs.writeSync(fd, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function readGroup(file: string, index: TCheckpointState['tensors']): TWeights {
  const buf = fs.readFileSync(file);
  const out: TWeights = {};
  let offset = 0;
  for (const { name, dims } of index) {
    const n = dims.reduce((a, b) => a * b, 1);
    if (offset + n * 4 > buf.length) throw new Error(`${file} is shorter than its index says`);
    out[name] = { data: new Float32Array(buf.buffer.slice(buf.byteOffset + offset, buf.byteOffset + offset + n * 4)), dims };
    offset += n * 4;
  }
  if (offset !== buf.length) throw new Error(`${file} is longer than its index says`);
  return out;
}

export function saveCheckpoint(dir: string, c: TCheckpoint) {
  const target = path.resolve(dir);
  const partial = `${target}.partial`;
  const previous = `${target}.previous`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  const names = Object.keys(c.weights).sort();
  for (const [key, file] of Object.entries(GROUPS)) writeGroup(path.join(partial, file), names, c[key as keyof typeof GROUPS]);
  if (c.ema) writeGroup(path.join(partial, EMA_FILE), names, c.ema);
  const state: TCheckpointState = {
    format: 'prunearena-train/1',
    step: c.step,
    adamStep: c.adamStep,
    config: c.config,
    tensors: names.map((name) => ({ name, dims: c.weights[name].dims })),
  };
  fs.writeFileSync(path.join(partial, 'state.json'), JSON.stringify(state, null, 2) + '\n');
  fs.rmSync(previous, { recursive: true, force: true });
  if (fs.existsSync(target)) fs.renameSync(target, previous);
  fs.renameSync(partial, target);
  fs.rmSync(previous, { recursive: true, force: true });
}

/** Whether `dir` holds a checkpoint, at `dir` or (a save interrupted between its two renames) at `<dir>.previous`. */
export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'state.json')) || fs.existsSync(path.join(`${dir}.previous`, 'state.json'));
}

/** Reads a checkpoint; a save interrupted between its two renames left it at `<dir>.previous`. */
export function loadCheckpoint(dir: string): TCheckpoint {
  let target = path.resolve(dir);
  // hasCheckpoint's second case: the save's first rename happened, its second did not
  if (!fs.existsSync(path.join(target, 'state.json')) && fs.existsSync(path.join(`${target}.previous`, 'state.json'))) target = `${target}.previous`;
  const stateFile = path.join(target, 'state.json');
  if (!fs.existsSync(stateFile)) throw new Error(`${dir} holds no training checkpoint (no state.json)`);
  const state = ZCheckpointState.parse(JSON.parse(fs.readFileSync(stateFile, 'utf8')));
  const [weights, adamM, adamV] = (Object.values(GROUPS) as string[]).map((f) => readGroup(path.join(target, f), state.tensors));
  const emaFile = path.join(target, EMA_FILE);
  const ema = fs.existsSync(emaFile) ? readGroup(emaFile, state.tensors) : undefined;
  return { step: state.step, adamStep: state.adamStep, config: state.config, weights, adamM, adamV, ...(ema ? { ema } : {}) };
}
