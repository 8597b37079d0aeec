import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TPruningPlan } from '../../lib/compress/plan';
import type { TSensitivity } from '../../lib/compress/sensitivity';
import { UsageError } from '../framework';
import { cliHarness } from '../testing';
import { plan } from './plan';

const PAPER_FILE = path.resolve(import.meta.dirname, '../../data/hierarchicalprune/sd35-large-turbo-hpsv2-component-ablation.json');

const { out, err, at, write: writeJson, run: arenaPlan } = cliHarness(plan, 'arena-plan-');

const tiny: TSensitivity = {
  version: 1,
  model: 'test/tiny',
  source: 'relative-error over 8 calibration inputs',
  level: 'block',
  metric: 'relerr',
  higherIsBetter: false,
  baseline: null,
  blockCount: 4,
  entries: [0.4, 0.1, 0.3, 0.2].map((v, block) => ({ stack: 'transformer_blocks', block, component: null, value: v, delta: v, params: 1_000_000 })),
};

describe('arena plan', () => {
  it('plans the paper SD3.5 ablation as JSON with the whole-model size it knows', async () => {
    const rc = await arenaPlan('--sensitivity', PAPER_FILE, '--budget', '0.72', '--protect-first', '20', '--range', '20-37', '--json');
    expect(rc).toBe(0);
    const result = JSON.parse(out.join('\n')) as TPruningPlan;
    expect(result).toMatchObject({ level: 'block', ranking: 'paper', feasible: true, originalParams: 8_056_627_520, range: [20, 37] });
    expect(result.ratio).toBeLessThanOrEqual(0.72);
    expect(result.removed.every((r) => r.block >= 20)).toBe(true);
    expect(result.removed[0].reason).toMatch(/^block \d+: ΔHPSv2 /);
  });

  it('prints a readable table without --json', async () => {
    const rc = await arenaPlan('--sensitivity', PAPER_FILE, '--budget', '0.72', '--protect-first', '20', '--level', 'component', '--ranking', 'code');
    expect(rc).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('component level, code ranking, metric HPSv2');
    expect(text).toMatch(/rank\s+block\s+component\s+params\s+ΔHPSv2\s+W_pos\s+score/);
    expect(text).toMatch(/^\s+1\s+31\s+ff\s+47\.3M/m);
    expect(text).toContain('Protected: blocks 0-19');
    expect(text).toContain('Whole blocks removed:');
    expect(text).toContain('as in the official code');
  });

  it('reads our own format and needs --total-params for a model it does not know', async () => {
    const file = writeJson('tiny.json', tiny);
    await expect(arenaPlan('--sensitivity', file, '--budget', '0.5')).rejects.toThrow(/--total-params is required: .*tiny\.json is for test\/tiny/);
    const rc = await arenaPlan('--sensitivity', file, '--budget', '0.5', '--total-params', '5_000_000', '--json');
    expect(rc).toBe(0);
    const result = JSON.parse(out.join('\n')) as TPruningPlan;
    // Smallest weighted error first: block 1 (0.1 x 0.47), then block 0 (0.4 x 0.37 = 0.147) just
    // before block 3 (0.2 x 0.78 = 0.156): W_pos grows with depth, so it favours removing early blocks.
    expect(result.removed.map((r) => r.block)).toEqual([1, 0, 3]);
    expect(result.keptParams).toBe(2_000_000);
  });

  it('exits 1 and says why when the budget cannot be reached', async () => {
    const rc = await arenaPlan('--sensitivity', PAPER_FILE, '--budget', '0.5', '--range', '30-37');
    expect(rc).toBe(1);
    expect(out.join('\n')).toMatch(/Infeasible: even removing all 8 allowed blocks in blocks 30-37/);
  });

  it('exits 1 naming the file and the problem when the file is unusable', async () => {
    const broken = writeJson('broken.json', '{"31<tab>ff": ');
    expect(await arenaPlan('--sensitivity', broken, '--budget', '0.7')).toBe(1);
    expect(err.join('\n')).toMatch(new RegExp(`arena plan: ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
    err.length = 0;
    const badScore = writeJson('bad.json', { '31<tab>ff': 'high' });
    expect(await arenaPlan('--sensitivity', badScore, '--budget', '0.7')).toBe(1);
    expect(err.join('\n')).toContain('bad.json: key "31<tab>ff": the score must be a number');
    err.length = 0;
    expect(await arenaPlan('--sensitivity', at('missing.json'), '--budget', '0.7')).toBe(1);
    expect(err.join('\n')).toContain('missing.json: no such file');
  });

  it.each([
    [['--budget', '0.7'], /--sensitivity FILE is required/],
    [['--sensitivity', PAPER_FILE], /--budget F is required/],
    [['--sensitivity', PAPER_FILE, '--budget', '1.5'], /--budget must be a fraction in \(0, 1\]/],
    [['--sensitivity', PAPER_FILE, '--budget', '72%'], /--budget must be a fraction/],
    [['--sensitivity', PAPER_FILE, '--budget', '0.7', '--range', '20:35'], /--range must look like 20-35 \(got "20:35"\)/],
    [['--sensitivity', PAPER_FILE, '--budget', '0.7', '--range', '20-40'], /range 20-40 lies outside the model's blocks 0-37/],
    [['--sensitivity', PAPER_FILE, '--budget', '0.7', '--protect-first', 'x'], /--protect-first must be a whole number/],
    [['--sensitivity', PAPER_FILE, '--budget', '0.7', '--protect-first', '38'], /protect-first 38 leaves nothing to prune/],
    [['--sensitivity', PAPER_FILE, '--budget', '0.7', '--level', 'layer'], /--level must be block or component \(got "layer"\)/],
    [['--sensitivity', PAPER_FILE, '--budget', '0.7', '--ranking', 'best'], /--ranking must be paper or code/],
    [['--sensitivity', PAPER_FILE, '--budget', '0.7', '--total-params', '8e9'], /--total-params must be a positive whole number/],
    [['--sensitivity', PAPER_FILE, '--budget', '0.7', '--total-params', '1000'], /totalParams 1000 is smaller than/],
    [['--sensitivity', PAPER_FILE, '--budget', '0.7', 'extra'], /unexpected argument "extra"/],
  ])('rejects bad flags with a usage error: %j', async (argv, message) => {
    const run = arenaPlan(...argv);
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(message);
  });
});
