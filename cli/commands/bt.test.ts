import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TLeaderboard } from '../../lib/stats/rank-models';
import { UsageError } from '../framework';
import { cliHarness } from '../testing';
import { bt } from './bt';

const ROOT = path.resolve(import.meta.dirname, '../..');
const { out, err, at, write, run: arenaBt } = cliHarness(bt, 'arena-bt-');

/** 60 votes: sd35 beats int4 30-10; flux beats int4 8-4 with 8 ties (4 both bad); 4 raters. */
function csv(): string {
  const rows = ['model_a,model_b,winner,rater'];
  for (let v = 0; v < 40; v++) rows.push(v % 2 ? `sd35,sd35-int4,${v < 30 ? 'model_a' : 'model_b'},u${v % 4}` : `sd35-int4,sd35,${v < 30 ? 'model_b' : 'model_a'},u${v % 4}`);
  for (let v = 0; v < 20; v++) rows.push(`sd35-int4,flux,${['model_b', 'model_b', 'model_a', 'tie', 'tie (bothbad)'][v % 5]},u${v % 4}`);
  return rows.join('\n') + '\n';
}

describe('arena bt', () => {
  it('ranks a CSV file and prints JSON with ratings, CIs, ranks and counts', async () => {
    const file = write('votes.csv', csv());
    expect(await arenaBt(file, '--bootstrap', '200', '--seed', '3', '--json')).toBe(0);
    const result = JSON.parse(out.join('\n')) as TLeaderboard & { format: string };
    expect(result.format).toBe('csv');
    expect(result.models.map((m) => m.model)).toEqual(['sd35', 'flux', 'sd35-int4']);
    const sd35 = result.models[0];
    expect(sd35).toMatchObject({ wins: 30, losses: 10, ties: 0, votes: 40 });
    expect(sd35.ciLow!).toBeLessThan(sd35.rating!);
    expect(sd35.ciHigh!).toBeGreaterThan(sd35.rating!);
    expect(result.bootstrap).toMatchObject({ rounds: 200, seed: 3, cluster: 'none' });
    expect(result.models.find((m) => m.model === 'sd35-int4')).toMatchObject({ wins: 14, losses: 38, ties: 8, bothBad: 4 });
  });

  it('prints a readable table by default', async () => {
    const file = write('votes.csv', csv());
    expect(await arenaBt(file, '--bootstrap', '100', '--ties', 'davidson', '--anchor', 'sd35=1200')).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('ties modelled (Davidson), sd35 pinned at 1200; 100 bootstrap rounds (votes resampled, seed 0); 60 votes');
    expect(text).toMatch(/rank\s+model\s+rating\s+95% CI\s+votes\s+wins\s+losses\s+ties/);
    expect(text).toMatch(/^\s+1\s+sd35\s+1200\.0\s+1200\.0 to 1200\.0\s+40\s+30\s+10\s+0$/m);
    expect(text).toMatch(/Davidson tie parameter ν = \d/);
  });

  it("reads Chatbot Arena JSON lines and resamples judges with --cluster rater", async () => {
    const lines = csv()
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => {
        const [a, b, winner, judge] = l.split(',');
        return JSON.stringify({ model_a: a, model_b: b, winner, judge, anony: true });
      });
    const file = write('battles.jsonl', lines.join('\n'));
    expect(await arenaBt(file, '--bootstrap', '100', '--cluster', 'rater', '--json')).toBe(0);
    const result = JSON.parse(out.join('\n')) as TLeaderboard;
    expect(result.bootstrap).toMatchObject({ cluster: 'rater', rounds: 100 });
    expect(result.models).toHaveLength(3);
  });

  it('refuses a malformed file with line numbers and ranks nothing', async () => {
    const text = csv().replace('sd35,sd35-int4,model_a,u1', 'sd35,sd35-int4,A,u1').replace(/\nsd35-int4,flux,tie,u3\n/, '\nsd35-int4,flux\n');
    const file = write('votes.csv', text);
    expect(await arenaBt(file, '--json')).toBe(1);
    expect(out).toEqual([]);
    const message = err.join('\n');
    expect(message).toContain(`arena bt: ${file} is not a valid CSV vote file; nothing was ranked:`);
    expect(message).toMatch(/line 3: winner must be model_a, model_b, tie or "tie \(bothbad\)" \(got "A"\)/);
    expect(message).toMatch(/line 45: expected 4 fields \(model_a,model_b,winner,rater\), found 2/);
  });

  it('exits 1 for a missing file or a file without raters under --cluster rater', async () => {
    expect(await arenaBt(at('nope.csv'))).toBe(1);
    expect(err.join('\n')).toContain('nope.csv: no such file');
    const file = write('norater.csv', 'model_a,model_b,winner\na,b,model_a\nb,a,model_a\n');
    expect(await arenaBt(file, '--cluster', 'rater')).toBe(1);
    expect(err.join('\n')).toMatch(/line 2: --cluster rater needs a rater on every vote \(a rater column\)/);
  });

  it.each([
    [[], /the VOTES file is required/],
    [['a.csv', 'b.csv'], /expected one VOTES file, got 2 arguments/],
    [['v.csv', '--bootstrap', 'many'], /--bootstrap must be a whole number/],
    [['v.csv', '--ties', 'thirds'], /--ties must be half or davidson \(got "thirds"\)/],
    [['v.csv', '--cluster', 'prompt'], /--cluster must be rater \(got "prompt"\)/],
    [['v.csv', '--anchor', 'sd35'], /--anchor must look like MODEL=RATING/],
    [['v.csv', '--anchor', 'sd35=high'], /--anchor must look like MODEL=RATING/],
  ])('rejects bad flags with a usage error: %j', async (argv, message) => {
    const file = write('v.csv', csv());
    const run = arenaBt(...argv.map((a) => (a === 'v.csv' ? file : a)));
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(message);
  });

  it('names an anchor that is not in the file as a usage error', async () => {
    const file = write('v.csv', csv());
    await expect(arenaBt(file, '--anchor', 'dalle=1000')).rejects.toThrow(/--anchor: "dalle" is not a model in/);
  });

  it('runs end to end as `arena bt` with exit codes 0, 1 and 2', () => {
    const good = write('votes.csv', csv());
    const bad = write('bad.csv', 'model_a,model_b,winner\na,b,nobody\n');
    const arena = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'cli', 'arena.mjs'), 'bt', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'test' } });
    const ok = arena(good, '--bootstrap', '50', '--json');
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as TLeaderboard).models[0].model).toBe('sd35');
    const malformed = arena(bad);
    expect(malformed.status).toBe(1);
    expect(malformed.stderr).toContain('line 2: winner must be');
    const usage = arena(good, '--tie', 'half');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/Unknown option '--tie'/);
  });
});
