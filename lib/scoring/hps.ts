import { z } from 'zod';
import { AppError } from '../errors';
import type { TProvider } from '../inference/session';
import { loadClipScorer, type TClipScorer } from './clip';
import { scoreFolder, type TFolderOptions, ZImageScoreSchema, ZOverallSchema, ZPromptScoreSchema, ZTagScoreSchema } from './clip-folder';

/**
 * HPS (Human Preference Score v2): a CLIP model fine-tuned on human choices. As HPSv2's benchmark
 * computes it, an image's score is 100 x cosine(image embedding, prompt embedding) of the
 * L2-normalised embeddings (`image_features @ text_features.T`, x100 when reported). v2.0 and
 * v2.1 are different checkpoints whose scores are not comparable, so every result records the
 * scorer's version (config.json `hps_version`: "v2.0", "v2.1", or "fixture" for the random-weight
 * test scorer) and `assertSameVersion` refuses to put results of different versions together.
 */
export const HPS_VERSIONS = ['v2.0', 'v2.1', 'fixture'] as const;
export const ZHpsVersionSchema = z.enum(HPS_VERSIONS);
export type THpsVersion = z.infer<typeof ZHpsVersionSchema>;

export const HPS_SCALE = 100;

export const ZScorerInfoSchema = z.object({
  dir: z.string(),
  name: z.string().nullable(),
  layout: z.enum(['split', 'combined']),
  provider: z.string(),
  fixture: z.boolean(),
});

export const ZHpsResultSchema = z.object({
  metric: z.literal('hps'),
  hpsVersion: ZHpsVersionSchema,
  scale: z.literal(HPS_SCALE),
  imagesDir: z.string(),
  scorer: ZScorerInfoSchema,
  overall: ZOverallSchema,
  byTag: z.record(z.string(), ZTagScoreSchema),
  prompts: z.array(ZPromptScoreSchema),
  images: z.array(ZImageScoreSchema),
});
export type THpsResult = z.infer<typeof ZHpsResultSchema>;

export type THpsOptions = TFolderOptions & {
  /** The version, for a scorer whose config.json does not say; it may not contradict the config. */
  version?: string;
  providers?: TProvider[];
  threads?: number;
  batchSize?: number;
};

/** "2.1", "v2.1", "V2.1" → "v2.1"; anything else that is not a known version → null. */
export function normalizeHpsVersion(raw: unknown): THpsVersion | null {
  if (typeof raw !== 'string') return null;
  const s = raw.trim().toLowerCase();
  const v = /^\d/.test(s) ? `v${s}` : s;
  const parsed = ZHpsVersionSchema.safeParse(v);
  return parsed.success ? parsed.data : null;
}

/** The HPS version a scorer's config.json declares (`hps_version`, or `prunearena.hps_version`), or null. */
export function readHpsVersion(config: Record<string, unknown>): THpsVersion | null {
  const raw = config.hps_version ?? (config.prunearena as Record<string, unknown> | undefined)?.hps_version;
  if (raw === undefined) return null;
  const v = normalizeHpsVersion(raw);
  if (!v) throw new AppError('UNPROCESSABLE', `the scorer's config.json says hps_version ${JSON.stringify(raw)}; expected one of ${HPS_VERSIONS.join(', ')}`);
  return v;
}

function resolveVersion(scorer: TClipScorer, override?: string): THpsVersion {
  const declared = readHpsVersion(scorer.config);
  const given = override === undefined ? null : normalizeHpsVersion(override);
  if (override !== undefined && !given) throw new AppError('BAD_REQUEST', `unknown HPS version ${JSON.stringify(override)}; expected one of ${HPS_VERSIONS.join(', ')}`);
  if (declared && given && declared !== given) throw new AppError('BAD_REQUEST', `the scorer at ${scorer.info.dir} is HPS ${declared} (its config.json says so), not ${given}`);
  const version = declared ?? given;
  if (!version) {
    throw new AppError('BAD_REQUEST', `${scorer.info.dir}/config.json does not say which HPS version the scorer is (add "hps_version": "v2.0" or "v2.1", or pass the version): v2.0 and v2.1 scores are not comparable, so an unlabelled score cannot be used`);
  }
  if (scorer.info.fixture && version !== 'fixture') throw new AppError('BAD_REQUEST', `${scorer.info.dir} is a random-weight fixture; its scores cannot be labelled HPS ${version}`);
  return version;
}

/** HPS of one image/prompt pair from the cosine of their embeddings. */
export function hpsFromCosine(cos: number): number {
  return HPS_SCALE * cos;
}

export async function scoreHps(imagesDir: string, scorerDir: string, opts: THpsOptions = {}): Promise<THpsResult> {
  const scorer = await loadClipScorer(scorerDir, { providers: opts.providers, threads: opts.threads, batchSize: opts.batchSize });
  try {
    const hpsVersion = resolveVersion(scorer, opts.version);
    const scores = await scoreFolder(imagesDir, scorer, hpsFromCosine, opts);
    const { dir, name, layout, provider, fixture } = scorer.info;
    return { metric: 'hps', hpsVersion, scale: HPS_SCALE, scorer: { dir, name, layout, provider, fixture }, ...scores };
  } finally {
    await scorer.release();
  }
}

/**
 * Returns the version that all these results share; refuses (CONFLICT) results of different HPS
 * versions, or a result with none, naming which result is which version.
 */
export function assertSameVersion(results: readonly { hpsVersion?: unknown; imagesDir?: string; label?: string }[]): THpsVersion {
  if (results.length === 0) throw new AppError('BAD_REQUEST', 'no HPS results to compare');
  const label = (r: (typeof results)[number], i: number) => r.label ?? r.imagesDir ?? `result ${i + 1}`;
  const groups = new Map<string, string[]>();
  results.forEach((r, i) => {
    const v = normalizeHpsVersion(r.hpsVersion);
    if (!v) throw new AppError('BAD_REQUEST', `${label(r, i)} has no HPS version (${JSON.stringify(r.hpsVersion ?? null)}), so it cannot be compared with other HPS results`);
    groups.set(v, [...(groups.get(v) ?? []), label(r, i)]);
  });
  if (groups.size > 1) {
    const parts = [...groups].map(([v, labels]) => `${v} (${labels.join(', ')})`);
    throw new AppError('CONFLICT', `HPS results of different versions cannot be combined: ${parts.join(' vs ')}. HPSv2.0 and HPSv2.1 scores are not comparable; score every image set with the same scorer.`);
  }
  return [...groups.keys()][0] as THpsVersion;
}
