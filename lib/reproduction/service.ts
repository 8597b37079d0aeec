import { prunearenaIndex } from '../compress/bundle-info';
import { AppError } from '../errors';
import { demoStatus, demoVariants, ZDemoOptions, type TDemoStatus } from '../jobs/definitions/demo';
import { SHAPES_MODEL_NAME } from '../models/seed';
import { SHAPES_DETECTOR } from '../shapes/detector';
import { getModelView, listModelViews, variantBundle, type TVariantView } from '../models/service';
import { compareGenEval, type TComparableReport, type TGenEvalComparison } from './compare';
import { readingSentences } from './reading';
import { sampleGrid } from './samples';
import * as repo from './repository';
import { VARIANT_KEYS, type TComparisonId, type TReproduction, type TReproductionComparison, type TReproductionDemo, type TReproductionVariant, type TVariantKey } from './types';

export type { TReproduction } from './types';

const HOW_TO_GET_IT =
  'npm start builds it on a fresh database unless DEMO=0 (the workers compress, generate and score in the background; progress is on /research/jobs). ' +
  'On a database that has the model, a researcher can queue it: npx arena jobs enqueue demo.reproduction.';

type TRun = Awaited<ReturnType<typeof repo.shapesRuns>>[number];
type TScoreRow = TRun['scores'][number];
type TReport = TComparableReport & { tasks?: { tag: string; score: number; ci: [number, number] | null }[] };

/** The demo's state for a public page: progress and the study link, never a failed job's internals. */
function publicDemo(s: TDemoStatus): TReproductionDemo {
  if (s.state === 'ready') return { state: 'ready', message: null, studyPath: s.study.participantPath, jobId: null };
  if (s.state === 'preparing') return { state: 'preparing', message: s.message, studyPath: null, jobId: null };
  if (s.state === 'failed') return { state: 'failed', message: `The demo stopped; job ${s.jobId} on /research/jobs says why and can be retried.`, studyPath: null, jobId: s.jobId };
  return { state: 'none', message: null, studyPath: null, jobId: null };
}

/** The demo's variants with their roles, for the pruneBlocks the model's variants were made with. */
function demoSpecs(original: TVariantView, names: Set<string>): { k: number; specs: { key: TVariantKey; name: string; role: string }[] } | null {
  if (!original.structure) return null;
  const fallback = ZDemoOptions.parse({}).pruneBlocks;
  const candidates = [fallback, 1, 2, 3, 4].filter((k, i, all) => all.indexOf(k) === i);
  const specsFor = (k: number) => {
    try {
      return demoVariants(ZDemoOptions.parse({ pruneBlocks: k }), original.structure!);
    } catch {
      return null; // too few blocks for this k
    }
  };
  let chosen: { k: number; specs: NonNullable<ReturnType<typeof specsFor>> } | null = null;
  for (const k of candidates) {
    const specs = specsFor(k);
    if (!specs) continue;
    chosen ??= { k, specs };
    if (specs.slice(0, 2).some((s) => names.has(s.name))) {
      chosen = { k, specs };
      break;
    }
  }
  if (!chosen) return null;
  const k = chosen.k;
  const keyOf = (name: string): TVariantKey | undefined => (name === `late-${k}` ? 'late' : name === `early-${k}` ? 'early' : VARIANT_KEYS.find((key) => key === name));
  const specs = chosen.specs.flatMap((s) => {
    const key = keyOf(s.name);
    return key ? [{ key, name: s.name, role: s.role }] : [];
  });
  return {
    k,
    specs: [{ key: 'original' as const, name: 'original', role: 'the trained model, uncompressed' }, ...specs].sort((a, b) => VARIANT_KEYS.indexOf(a.key) - VARIANT_KEYS.indexOf(b.key)),
  };
}

async function trainedSteps(variantId: string): Promise<number | null> {
  try {
    const steps = prunearenaIndex((await variantBundle(variantId)).dir).trainedSteps;
    return typeof steps === 'number' && Number.isFinite(steps) ? steps : null;
  } catch {
    return null; // the variant's bundle is not in the store
  }
}

const settingsKey = (r: TRun) => JSON.stringify([r.prompts, r.imagesPerPrompt, r.steps, r.guidance, r.seed]);
/** GenEval counts here only when the shapes world's own detector judged it (a run can also be scored with another detector). */
const scoreOf = (r: TRun | null, scorer: string): TScoreRow | null => r?.scores.find((s) => s.scorer === scorer && (scorer !== 'geneval' || s.version.includes(SHAPES_DETECTOR.id))) ?? null;

/**
 * The run each variant is measured on: all with the same prompts and settings, so all images
 * pair up by prompt and seed. The settings chosen are those the most variants have a GenEval
 * score for (the demo's, unless someone scored another set more widely), the newest on a tie;
 * each variant gets its newest run with them, scored runs first. A variant without one gets none.
 */
function pickRuns(runs: TRun[], originalId: string, variantIds: string[]): Map<string, TRun> {
  const scoredBy = new Map<string, Set<string>>();
  for (const r of runs) if (scoreOf(r, 'geneval')) scoredBy.set(settingsKey(r), (scoredBy.get(settingsKey(r)) ?? new Set()).add(r.variantId));
  // runs come newest first, so the first key met wins a tie
  let chosen: string | null = null;
  for (const r of runs) {
    const k = settingsKey(r);
    const n = (scoredBy.get(k)?.size ?? 0) + (scoredBy.get(k)?.has(originalId) ? 0.5 : 0);
    const best = chosen === null ? -1 : (scoredBy.get(chosen)?.size ?? 0) + (scoredBy.get(chosen)?.has(originalId) ? 0.5 : 0);
    if (n > best) chosen = k;
  }
  const picked = new Map<string, TRun>();
  if (chosen === null) return picked;
  for (const id of variantIds) {
    const own = runs.filter((r) => r.variantId === id && settingsKey(r) === chosen);
    const run = own.find((r) => scoreOf(r, 'geneval')) ?? own[0];
    if (run) picked.set(id, run);
  }
  return picked;
}

/** A stored GenEval report, or null when it does not parse or lacks the per-prompt results a paired comparison needs. */
function parseReport(text: string | undefined): TReport | null {
  if (!text) return null;
  try {
    const r = JSON.parse(text) as TReport;
    return r && Array.isArray(r.prompts) ? r : null;
  } catch {
    return null;
  }
}

function latencyOf(run: TRun | null): TReproductionVariant['latency'] {
  if (!run?.summary) return null;
  try {
    const s = JSON.parse(run.summary) as { latency?: { perImageMedianMs?: number; perStepMedianMs?: number }; provider?: string; hardware?: string };
    if (typeof s.latency?.perStepMedianMs !== 'number') return null;
    return { perStepMs: s.latency.perStepMedianMs, perImageMs: s.latency.perImageMedianMs ?? null, provider: s.provider ?? 'not recorded', hardware: s.hardware ?? 'not recorded' };
  } catch {
    return null;
  }
}

const COMPARISONS: { id: TComparisonId; a: TVariantKey; b: TVariantKey; question: string }[] = [
  { id: 'late-vs-original', a: 'original', b: 'late', question: 'What does removing the latest blocks cost?' },
  { id: 'early-vs-original', a: 'original', b: 'early', question: 'What does removing the earliest blocks cost?' },
  { id: 'late-vs-early', a: 'early', b: 'late', question: 'Do late blocks matter less than early ones?' },
  { id: 'recon-vs-hp', a: 'hp', b: 'hp-recon', question: 'Does reconstruction recover quality?' },
  { id: 'hp-vs-late', a: 'late', b: 'hp', question: "Did HierarchicalPrune's choice of blocks beat simply cutting the latest?" },
  { id: 'int4-vs-original', a: 'original', b: 'int4', question: 'Is INT4 nearly free?' },
  { id: 'recon-int4-vs-recon', a: 'hp-recon', b: 'hp-recon-int4', question: 'What does INT4 add to the reconstructed plan?' },
];

function unavailable(base: Pick<TReproduction, 'generatedAt' | 'demo' | 'model' | 'pruneBlocks'>, message: string): TReproduction {
  return { ...base, available: false, message, runSettings: null, variants: [], comparisons: [], reading: [], sensitivity: null, samples: null };
}

/**
 * The reproduction as it stands in the database: the shapes model's demo variants, each measured
 * on one generation run with the same prompts and seeds, their paired GenEval comparisons (95%
 * paired bootstrap intervals), what those say in sentences, the original's block sensitivity and
 * a grid of sample images (data URIs, only when `images` is asked for).
 */
export async function buildReproduction(o: { images?: boolean; rounds?: number; seed?: number } = {}): Promise<TReproduction> {
  const base = { generatedAt: new Date().toISOString(), demo: publicDemo(await demoStatus()), model: null, pruneBlocks: ZDemoOptions.parse({}).pruneBlocks };
  const summary = (await listModelViews()).find((m) => m.name === SHAPES_MODEL_NAME);
  const model = summary ? await getModelView(summary.id) : null;
  if (!model) return unavailable(base, `The built-in shapes model "${SHAPES_MODEL_NAME}" is not registered in this database. ${HOW_TO_GET_IT}`);
  const original = model.variants.find((v) => v.parentId === null && v.name === 'original');
  const withModel = { ...base, model: { id: model.id, name: model.name, description: model.description, trainedSteps: original ? await trainedSteps(original.id) : null } };
  const found = original ? demoSpecs(original, new Set(model.variants.map((v) => v.name))) : null;
  if (!original || !found) return unavailable(withModel, `"${model.name}" has no original variant with a known block structure, so the demo cannot make its variants.`);

  const specs = found.specs.flatMap((s) => {
    const v = model.variants.find((x) => x.name === s.name);
    return v ? [{ ...s, variant: v }] : [];
  });
  const withK = { ...withModel, pruneBlocks: found.k };
  if (specs.length < 2) return unavailable(withK, `The demo's compressed variants of "${model.name}" do not exist yet. ${HOW_TO_GET_IT}`);

  const runs = await repo.shapesRuns(specs.map((s) => s.variant.id));
  const picked = pickRuns(runs, original.id, specs.map((s) => s.variant.id));
  const genevalIds = [...picked.values()].flatMap((r) => scoreOf(r, 'geneval')?.id ?? []);
  const reportText = await repo.scoreReports(genevalIds);
  const reports = new Map<TVariantKey, TReport>();
  const versions = new Map<TVariantKey, string>();

  const rows: TReproductionVariant[] = specs.map((s) => {
    const v = s.variant;
    const run = picked.get(v.id) ?? null;
    const g = scoreOf(run, 'geneval');
    const h = scoreOf(run, 'hps');
    const report = g ? parseReport(reportText.get(g.id)) : null;
    if (report && g) reports.set(s.key, report);
    if (g) versions.set(s.key, g.version);
    const compress = (v.report ?? {}) as { removed?: { block: number; component: string | null }[]; reconstruction?: { errorBefore?: number; errorAfter?: number } | null; error?: { relative?: number }; int4?: unknown };
    const recon = compress.reconstruction;
    return {
      key: s.key,
      variantId: v.id,
      name: v.name,
      role: s.role,
      parentId: v.parentId,
      removedBlocks: [...new Set((compress.removed ?? []).filter((r) => !r.component).map((r) => r.block))].sort((a, b) => a - b),
      reconstruction: typeof recon?.errorBefore === 'number' && typeof recon.errorAfter === 'number' ? { errorBefore: recon.errorBefore, errorAfter: recon.errorAfter } : null,
      denoiserError: typeof compress.error?.relative === 'number' ? compress.error.relative : null,
      int4: Boolean(compress.int4 ?? (v.recipe as { int4?: unknown } | null)?.int4),
      params: v.params,
      paramsShare: v.params / original.params,
      weightBytes: v.weightBytes,
      memoryShare: v.weightBytes / original.weightBytes,
      latency: latencyOf(run),
      runId: run?.id ?? null,
      geneval: g
        ? {
            score: g.score,
            ci: g.ciLow !== null && g.ciHigh !== null ? [g.ciLow, g.ciHigh] : null,
            tasks: (report?.tasks ?? []).map((t) => ({ tag: t.tag, score: t.score, ci: t.ci })),
            images: run!._count.images,
            prompts: report?.prompts.filter((p) => p.images > 0).length ?? 0,
            fixture: g.fixture,
            version: g.version,
          }
        : null,
      hps: h ? { score: h.score, ci: h.ciLow !== null && h.ciHigh !== null ? [h.ciLow, h.ciHigh] : null, images: run!._count.images, fixture: h.fixture, version: h.version } : null,
      vsOriginal: null,
    };
  });

  const nameOf = (key: TVariantKey) => rows.find((r) => r.key === key)?.name ?? found.specs.find((s) => s.key === key)?.name ?? key;
  const memo = new Map<string, { result: TGenEvalComparison | null; problem: string | null }>();
  const compare = (a: TVariantKey, b: TVariantKey) => {
    const key = `${a}|${b}`;
    if (!memo.has(key)) {
      const [ra, rb] = [reports.get(a), reports.get(b)];
      const missing = [a, b].filter((k) => !reports.has(k));
      let entry: { result: TGenEvalComparison | null; problem: string | null };
      if (!ra || !rb) {
        const absent = missing.map((k) => (rows.some((r) => r.key === k) ? `${nameOf(k)} has no GenEval score with per-prompt results on the paired prompts yet` : `${nameOf(k)} does not exist yet`));
        entry = { result: null, problem: `${absent.join('; ')}.` };
      } else if (versions.get(a) !== versions.get(b)) {
        entry = { result: null, problem: `${nameOf(a)} and ${nameOf(b)} were judged by different GenEval versions (${versions.get(a)} and ${versions.get(b)}); score both again with the same one.` };
      } else {
        try {
          entry = { result: compareGenEval(ra, rb, { rounds: o.rounds, seed: o.seed }), problem: null };
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          entry = { result: null, problem: err.message };
        }
      }
      memo.set(key, entry);
    }
    return memo.get(key)!;
  };
  for (const r of rows) if (r.key !== 'original') r.vsOriginal = compare('original', r.key).result;
  const comparisons: TReproductionComparison[] = COMPARISONS.map((c) => ({ id: c.id, question: c.question, a: nameOf(c.a), b: nameOf(c.b), ...compare(c.a, c.b) }));
  const overall = (id: TComparisonId) => comparisons.find((c) => c.id === id)!.result?.overall ?? null;
  const row = (key: TVariantKey) => rows.find((r) => r.key === key);

  const reading = readingSentences({
    k: found.k,
    names: { late: nameOf('late'), early: nameOf('early'), hp: nameOf('hp'), hpRecon: nameOf('hp-recon'), hpReconInt4: nameOf('hp-recon-int4'), int4: nameOf('int4') },
    late: overall('late-vs-original'),
    early: overall('early-vs-original'),
    lateMinusEarly: overall('late-vs-early'),
    hp: row('hp')?.vsOriginal?.overall ?? null,
    reconMinusHp: overall('recon-vs-hp'),
    hpMinusLate: overall('hp-vs-late'),
    removed: { hp: row('hp')?.removedBlocks ?? null, late: row('late')?.removedBlocks ?? null },
    int4: overall('int4-vs-original'),
    reconInt4MinusRecon: overall('recon-int4-vs-recon'),
    memory: { int4: row('int4')?.memoryShare ?? null, hpReconInt4: row('hp-recon-int4')?.memoryShare ?? null },
    fixture: { geneval: rows.some((r) => r.geneval?.fixture), hps: rows.some((r) => r.hps?.fixture) },
  });

  const reference = picked.get(original.id);
  const unscored = found.specs.filter((s) => !rows.find((r) => r.key === s.key)?.geneval).map((s) => s.name);
  const sensitivity = original.sensitivities.find((s) => s.level === 'block');
  return {
    ...withK,
    available: true,
    message: unscored.length ? `Not measured yet: ${unscored.join(', ')} (no variant, run or GenEval score on the paired prompts). ${HOW_TO_GET_IT}` : null,
    runSettings: reference
      ? { promptSet: reference.promptSet, prompts: (JSON.parse(reference.prompts) as unknown[]).length, imagesPerPrompt: reference.imagesPerPrompt, steps: reference.steps, guidance: reference.guidance, seed: reference.seed }
      : null,
    variants: rows,
    comparisons,
    reading,
    sensitivity: sensitivity ? { variant: original.name, level: sensitivity.level, createdAt: sensitivity.createdAt, data: sensitivity.data } : null,
    samples: await sampleGrid(rows, reference, o.images ?? false),
  };
}
