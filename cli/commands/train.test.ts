import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../framework';
import { cliHarness } from '../testing';
import { train } from './train';

const { at, run: arenaTrain } = cliHarness(train, 'arena-train-', { quietStderr: true });

describe('arena train flags', () => {
  it('passes --sigma-sampling to a new run, whose checkpoint keeps it', async () => {
    const out = at('run');
    expect(await arenaTrain('--out', out, '--steps', '1', '--batch', '2', '--workers', '1', '--sigma-sampling', 'uniform', '--sample-every', '1000', '--json')).toBe(0);
    const state = JSON.parse(fs.readFileSync(path.join(out, 'checkpoint', 'state.json'), 'utf8'));
    expect(state.config).toMatchObject({ sigmaSampling: 'uniform', batch: 2, steps: 1 });
  }, 120_000);

  it('refuses an unknown noise-level scheme, and the flag on a resumed run, before writing anything', async () => {
    await expect(arenaTrain('--out', at('a'), '--sigma-sampling', 'cosine')).rejects.toThrow(UsageError);
    await expect(arenaTrain('--out', at('a'), '--sigma-sampling', 'cosine')).rejects.toThrow(/--sigma-sampling must be uniform or logit-normal \(got "cosine"\)/);
    await expect(arenaTrain('--out', at('a'), '--resume', '--sigma-sampling', 'uniform')).rejects.toThrow(/a resumed run keeps its own/);
    expect(fs.existsSync(at('a'))).toBe(false);
  });
});
