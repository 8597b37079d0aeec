/**
 * bench/stats.ts: the leaderboard's cost on a large study. For 1M simulated votes over 20 and
 * over 100 models (10% ties): aggregation into pair counts, the Bradley-Terry fit and 1,000
 * bootstrap rounds (multinomial resampling, warm-started refits), next to a baseline in the same
 * run that fits the same votes as a per-vote logistic regression by gradient descent and
 * bootstraps by resampling the votes themselves (the textbook route: one pass over all votes per
 * iteration). The baseline runs a few bootstrap rounds and is extrapolated to 1,000; the output
 * says so. Also reported: aggregation from vote objects with names (what a database row
 * mapping gives) and the rater-clustered bootstrap (10,000 raters), for information.
 *
 *   npx tsx bench/stats.ts [--votes 1000000] [--rounds 1000] [--baseline-rounds 3]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { aggregateVotes, countIndexedVotes, OUTCOMES, type TVote } from '../lib/stats/counts';
import { ELO_PER_LOGIT, rankModels } from '../lib/stats/rank-models';
import { Random } from '../lib/stats/random';

const { values } = parseArgs({
  options: { votes: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '1000' }, 'baseline-rounds': { type: 'string', default: '3' } },
});
const VOTES = Number(values.votes);
const ROUNDS = Number(values.rounds);
const BASELINE_ROUNDS = Number(values['baseline-rounds']);

type TSim = { models: string[]; a: Int32Array; b: Int32Array; outcome: Uint8Array; truth: Float64Array };

function simulate(k: number, n: number, seed: number): TSim {
  const rng = new Random(seed);
  const truth = Float64Array.from({ length: k }, () => 0.6 * rng.normal());
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  const outcome = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const i = rng.int(k);
    let j = rng.int(k - 1);
    if (j >= i) j++;
    a[r] = i;
    b[r] = j;
    const u = rng.uniform();
    if (u < 0.1) outcome[r] = u < 0.03 ? 3 : 2;
    else outcome[r] = rng.uniform() < 1 / (1 + Math.exp(truth[j] - truth[i])) ? 0 : 1;
  }
  return { models: Array.from({ length: k }, (_, m) => `model-${String(m).padStart(3, '0')}`), a, b, outcome, truth };
}

/** The baseline: per-vote logistic regression (ties as y = 0.5) by full-batch gradient descent. */
function gradientDescent(k: number, a: Int32Array, b: Int32Array, y: Float64Array, start: Float64Array | null) {
  const n = a.length;
  // Step 1/L with L = max eigenvalue bound of the mean Hessian: σ' <= 1/4 times twice the largest share of votes a model is in.
  const share = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    share[a[r]]++;
    share[b[r]]++;
  }
  const lr = 1 / ((0.25 * 2 * Math.max(...share)) / n);
  const theta = start ? Float64Array.from(start) : new Float64Array(k);
  const g = new Float64Array(k);
  let iterations = 0;
  for (; iterations < 2000; iterations++) {
    g.fill(0);
    for (let r = 0; r < n; r++) {
      const i = a[r];
      const j = b[r];
      const e = y[r] - 1 / (1 + Math.exp(theta[j] - theta[i]));
      g[i] += e;
      g[j] -= e;
    }
    let size = 0;
    for (let m = 0; m < k; m++) size = Math.max(size, Math.abs(g[m] / n));
    if (size < 1e-8) break;
    for (let m = 0; m < k; m++) theta[m] += (lr * g[m]) / n;
  }
  return { theta, iterations };
}

function ms(t0: number) {
  return performance.now() - t0;
}

function run(k: number) {
  const sim = simulate(k, VOTES, 42 + k);
  console.log(`\n${k} models, ${VOTES.toLocaleString('en')} votes, ${ROUNDS} bootstrap rounds`);

  // ours: aggregation, fit, bootstrap
  const t0 = performance.now();
  const counts = countIndexedVotes(sim.models, sim.a, sim.b, sim.outcome);
  const tAgg = ms(t0);
  const t1 = performance.now();
  const point = rankModels(counts, { bootstrap: 0 });
  const tFit = ms(t1);
  const t2 = performance.now();
  const board = rankModels(counts, { bootstrap: ROUNDS, seed: 1 });
  const tBoot = ms(t2);
  const total = tAgg + tBoot;
  const width = board.models.reduce((s, m) => s + (m.ciHigh! - m.ciLow!), 0) / k;
  console.log(`  ours:     aggregate ${tAgg.toFixed(0)} ms, fit ${tFit.toFixed(1)} ms (first call, JIT cold), fit + ${ROUNDS} rounds ${tBoot.toFixed(0)} ms -> total ${total.toFixed(0)} ms (mean 95% CI width ${width.toFixed(1)} points)`);

  // for information: aggregation from named vote objects, and the rater-clustered bootstrap
  const rows: TVote[] = Array.from({ length: VOTES }, (_, r) => ({ variantA: sim.models[sim.a[r]], variantB: sim.models[sim.b[r]], winner: OUTCOMES[sim.outcome[r]] }));
  const t5 = performance.now();
  aggregateVotes(rows);
  const tRows = ms(t5);
  rows.length = 0;
  const raters = 10_000;
  const rng0 = new Random(99);
  const raterOf = Int32Array.from({ length: VOTES }, () => rng0.int(raters));
  const t6 = performance.now();
  const rated = countIndexedVotes(sim.models, sim.a, sim.b, sim.outcome, { rater: { ids: Array.from({ length: raters }, (_, x) => `r${x}`), of: raterOf } });
  const tRatedAgg = ms(t6);
  const t7 = performance.now();
  rankModels(rated, { bootstrap: ROUNDS, seed: 1, cluster: 'rater' });
  const tCluster = ms(t7);
  console.log(`  also:     aggregateVotes on ${VOTES.toLocaleString('en')} named vote objects ${tRows.toFixed(0)} ms; with ${raters.toLocaleString('en')} raters: aggregate ${tRatedAgg.toFixed(0)} ms, fit + ${ROUNDS} rater-clustered rounds ${tCluster.toFixed(0)} ms`);

  // baseline: per-vote gradient descent on the same votes, same tie convention
  const y = Float64Array.from(sim.outcome, (o) => (o === 0 ? 1 : o === 1 ? 0 : 0.5));
  const t3 = performance.now();
  const base = gradientDescent(k, sim.a, sim.b, y, null);
  const tBaseFit = ms(t3);
  const mean = base.theta.reduce((s, v) => s + v, 0) / k;
  let maxDiff = 0;
  const byName = new Map(point.models.map((m) => [m.model, m.rating!]));
  sim.models.forEach((m, x) => (maxDiff = Math.max(maxDiff, Math.abs(ELO_PER_LOGIT * (base.theta[x] - mean) + 1000 - byName.get(m)!))));
  const rng = new Random(7);
  const ra = new Int32Array(VOTES);
  const rb = new Int32Array(VOTES);
  const ry = new Float64Array(VOTES);
  const t4 = performance.now();
  let baseIters = 0;
  for (let r = 0; r < BASELINE_ROUNDS; r++) {
    // resample the votes into contiguous arrays (what a data-frame sample does), then refit
    for (let v = 0; v < VOTES; v++) {
      const x = rng.int(VOTES);
      ra[v] = sim.a[x];
      rb[v] = sim.b[x];
      ry[v] = y[x];
    }
    baseIters += gradientDescent(k, ra, rb, ry, base.theta).iterations;
  }
  const tBaseRound = ms(t4) / BASELINE_ROUNDS;
  const baseTotal = tBaseFit + tBaseRound * ROUNDS;
  console.log(
    `  baseline: fit ${tBaseFit.toFixed(0)} ms (${base.iterations} GD iterations, max difference to ours ${maxDiff.toFixed(3)} points), ` +
      `${tBaseRound.toFixed(0)} ms per bootstrap round (${BASELINE_ROUNDS} rounds measured, warm-started, ${(baseIters / BASELINE_ROUNDS).toFixed(0)} iterations each) ` +
      `-> ${ROUNDS} rounds extrapolated ${(baseTotal / 1000).toFixed(1)} s`,
  );
  console.log(`  ratio:    fit ${(tBaseFit / (tAgg + tFit)).toFixed(0)}x faster (aggregation included), fit + bootstrap ${(baseTotal / total).toFixed(0)}x faster`);
  return { k, tAgg, tFit, tBoot, total, tBaseFit, tBaseRound, baseTotal };
}

console.log(`stats benchmark: ${os.cpus().length} cores, ${os.cpus()[0]?.model}, node ${process.version}`);
for (const k of [20, 100]) run(k);
