import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SD35_LARGE_BLOCKS_PARAMS, SD35_LARGE_TRANSFORMER_PARAMS, sd35LargeBlockParams, sd35LargeComponentParams } from './sd35-params';
import {
  knownTotalParams,
  parseSensitivity,
  readPaperAblation,
  readSensitivity,
  SensitivityFileError,
  type TSensitivity,
  toBlockLevel,
} from './sensitivity';

const PAPER_FILE = path.resolve(import.meta.dirname, '../../data/hierarchicalprune/sd35-large-turbo-hpsv2-component-ablation.json');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-sensitivity-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeFile(name: string, content: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const small = (): TSensitivity => ({
  version: 1,
  model: 'test/tiny',
  source: 'relative-error over 8 calibration inputs',
  level: 'component',
  metric: 'relerr',
  higherIsBetter: false,
  baseline: null,
  blockCount: 2,
  entries: [
    { stack: 'transformer_blocks', block: 0, component: 'attn', value: 0.3, delta: 0.3, params: 100 },
    { stack: 'transformer_blocks', block: 0, component: 'ff', value: 0.1, delta: 0.1, params: 200 },
    { stack: 'transformer_blocks', block: 1, component: 'attn', value: 0.2, delta: 0.2, params: 100 },
    { stack: 'transformer_blocks', block: 1, component: 'ff_context', value: 0.05, delta: 0.05, params: 0 },
  ],
});

describe('SD3.5 Large parameter counts', () => {
  it('match the dimensions exactly, weights and biases', () => {
    const h = 2432;
    const m = 9728;
    expect(sd35LargeComponentParams(0)).toEqual({
      norm1: h * 6 * h + 6 * h,
      norm1_context: h * 6 * h + 6 * h,
      attn: 8 * (h * h + h) + 4 * 64,
      ff: h * m + m + m * h + h,
      ff_context: h * m + m + m * h + h,
    });
    // METHOD.md's rounded sizes: ~47M attention and MLPs, ~35M modulations, ~213M a block.
    expect(sd35LargeComponentParams(5).attn / 1e6).toBeCloseTo(47.3, 1);
    expect(sd35LargeComponentParams(5).norm1 / 1e6).toBeCloseTo(35.5, 1);
    expect(sd35LargeBlockParams(5)).toBe(212_999_680);
  });

  it('give the context-pre-only last block no context MLP and a 2x modulation', () => {
    const last = sd35LargeComponentParams(37);
    expect(last.ff_context).toBe(0);
    expect(last.norm1_context).toBe(2432 * 2 * 2432 + 2 * 2432);
    expect(last.attn).toBe(7 * (2432 * 2432 + 2432) + 256);
    expect(SD35_LARGE_BLOCKS_PARAMS).toBe(37 * 212_999_680 + sd35LargeBlockParams(37));
    expect(SD35_LARGE_TRANSFORMER_PARAMS).toBe(8_056_627_520);
    expect(() => sd35LargeComponentParams(38)).toThrow(/blocks 0-37/);
  });
});

describe('readPaperAblation', () => {
  it('reads the 190 HPSv2 scores with deltas and exact parameter counts', () => {
    const s = readPaperAblation(PAPER_FILE);
    expect(s).toMatchObject({ level: 'component', metric: 'HPSv2', higherIsBetter: true, baseline: 30.29, blockCount: 38 });
    expect(s.entries).toHaveLength(190);
    expect(new Set(s.entries.map((e) => e.component))).toEqual(new Set(['norm1', 'norm1_context', 'attn', 'ff', 'ff_context']));
    const raw = JSON.parse(fs.readFileSync(PAPER_FILE, 'utf8')) as Record<string, number>;
    const ff31 = s.entries.find((e) => e.block === 31 && e.component === 'ff')!;
    expect(ff31.value).toBe(raw['31<tab>ff']);
    expect(ff31.delta).toBeCloseTo(Math.abs(raw['31<tab>ff'] - 30.29), 10);
    const mod = s.entries.find((e) => e.block === 30 && e.component === 'norm1_context')!;
    expect(mod.value).toBe(raw['30<tab>w_norm1_context']);
    expect(mod.params).toBe(35_502_336);
    // The file measures the last block's missing context MLP: kept, but it frees nothing.
    expect(s.entries.find((e) => e.block === 37 && e.component === 'ff_context')!.params).toBe(0);
    expect(s.entries.reduce((sum, e) => sum + e.params, 0)).toBe(SD35_LARGE_BLOCKS_PARAMS);
    expect(knownTotalParams(s)).toBe(SD35_LARGE_TRANSFORMER_PARAMS);
  });

  it('accepts a file without the last block ff_context entry', () => {
    const raw = JSON.parse(fs.readFileSync(PAPER_FILE, 'utf8')) as Record<string, number>;
    delete raw['37<tab>ff_context'];
    const s = readPaperAblation(writeFile('ablation.json', raw));
    expect(s.entries).toHaveLength(189);
    expect(s.entries.reduce((sum, e) => sum + e.params, 0)).toBe(SD35_LARGE_BLOCKS_PARAMS);
  });

  it.each([
    ['missing', null, /no such file/],
    ['not JSON', '{"31<tab>ff": 30.7', /not valid JSON/],
    ['an array', [1, 2], /expected a JSON object/],
    ['a bad key', { '31-ff': 30.1 }, /key "31-ff" is not "<block><tab><component>"/],
    ['an unknown component', { '31<tab>proj_out': 30.1 }, /unknown component "proj_out"/],
    ['a block past 37', { '38<tab>ff': 30.1 }, /blocks 0-37/],
    ['a score that is not a number', { '31<tab>ff': '30.1' }, /the score must be a number/],
    ['no scores', {}, /no scores/],
  ])('names the file and the problem when it holds %s', (_what, content, problem) => {
    const file = content === null ? path.join(dir, 'nope.json') : writeFile('bad.json', content);
    let err: unknown;
    try {
      readPaperAblation(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SensitivityFileError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(problem);
  });
});

describe('the sensitivity format', () => {
  it('round-trips through a file and is told apart from the paper format', () => {
    const ours = readSensitivity(writeFile('ours.json', small()));
    expect(ours.format).toBe('sensitivity');
    expect(ours.sensitivity).toEqual(small());
    expect(readSensitivity(PAPER_FILE).format).toBe('paper-ablation');
    expect(() => readSensitivity(writeFile('other.json', { hello: 1 }))).toThrow(/neither a sensitivity file/);
  });

  it.each([
    ['a component in a block-level file', (s: TSensitivity) => ({ ...s, level: 'block' }), /entries\.0\.component: must be null/],
    ['a block past blockCount', (s: TSensitivity) => ({ ...s, blockCount: 1 }), /block 1 is outside 0-0/],
    ['a duplicate entry', (s: TSensitivity) => ({ ...s, entries: [...s.entries, s.entries[0]] }), /duplicate entry for transformer_blocks block 0 attn/],
    ['a score without its baseline', (s: TSensitivity) => ({ ...s, higherIsBetter: true }), /baseline/],
    ['a negative delta', (s: TSensitivity) => ({ ...s, entries: [{ ...s.entries[0], delta: -1 }] }), /entries\.0\.delta/],
    ['the wrong version', (s: TSensitivity) => ({ ...s, version: 2 }), /version/],
  ])('rejects %s, naming the file', (_what, mutate, problem) => {
    const file = writeFile('bad.json', mutate(small()));
    expect(() => readSensitivity(file)).toThrow(problem);
    expect(() => readSensitivity(file)).toThrow(file);
  });
});

describe('toBlockLevel', () => {
  it('sums parameters and |ΔP| per block, leaving out components the block does not have', () => {
    const b = toBlockLevel(small());
    expect(b.level).toBe('block');
    expect(b.entries).toEqual([
      { stack: 'transformer_blocks', block: 0, component: null, value: 0.4, delta: 0.4, params: 300 },
      { stack: 'transformer_blocks', block: 1, component: null, value: 0.2, delta: 0.2, params: 100 },
    ]);
    expect(() => parseSensitivity(b)).not.toThrow();
    expect(toBlockLevel(b)).toBe(b);
  });

  it('adds signed changes for the value but magnitudes for the delta', () => {
    const s = readPaperAblation(PAPER_FILE);
    const b31 = toBlockLevel(s).entries.find((e) => e.block === 31)!;
    const parts = s.entries.filter((e) => e.block === 31);
    expect(b31.params).toBe(212_999_680);
    expect(b31.delta).toBeCloseTo(parts.reduce((sum, e) => sum + Math.abs(e.value - 30.29), 0), 10);
    expect(b31.value).toBeCloseTo(30.29 + parts.reduce((sum, e) => sum + (e.value - 30.29), 0), 10);
    // The last block's no-op ff_context does not count towards it.
    const b37 = toBlockLevel(s).entries.find((e) => e.block === 37)!;
    const real37 = s.entries.filter((e) => e.block === 37 && e.component !== 'ff_context');
    expect(b37.delta).toBeCloseTo(real37.reduce((sum, e) => sum + e.delta, 0), 10);
  });
});
