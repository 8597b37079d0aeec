import fs from 'node:fs';
import path from 'node:path';
import { componentSizes, sumSizes } from '../compress/bundle-info';
import { discoverBlocks } from '../compress/discovery';
import { AppError } from '../errors';
import { readModel } from '../onnx/io';
import { checkBundle, denoiserFolder } from './bundle-check';
import { bundlePath, storeBundle } from './bundle-store';
import * as repo from './repository';

export type TStructure = { method: string; totalParams: number; stacks: { name: string; blocks: { index: number; params: number; components: { name: string; params: number }[] }[] }[] };

export type TVariantView = {
  id: string;
  name: string;
  parentId: string | null;
  recipe: unknown;
  report: unknown;
  params: number;
  weightBytes: number;
  diskBytes: number;
  structure: TStructure | null;
  bundleHash: string;
  createdAt: string;
  sensitivities: { id: string; level: string; createdAt: string; data: unknown }[];
};

export type TModelView = { id: string; name: string; description: string | null; license: string | null; createdBy: string | null; createdAt: string; variants: TVariantView[] };

function describeBundle(dir: string) {
  const sizes = sumSizes(Object.values(componentSizes(dir)));
  const discovery = discoverBlocks(readModel(path.join(dir, denoiserFolder(dir), 'model.onnx'), { loadExternalData: false }).proto);
  const structure: TStructure = {
    method: discovery.method,
    totalParams: discovery.totalParams,
    stacks: discovery.stacks.map((s) => ({
      name: s.name,
      blocks: s.blocks.map((b) => ({ index: b.index, params: b.params, components: b.components.map((c) => ({ name: c.name, params: c.params })) })),
    })),
  };
  return { params: BigInt(sizes.params), weightBytes: BigInt(sizes.weightBytes), diskBytes: BigInt(sizes.bytesOnDisk), structure: JSON.stringify(structure) };
}

/** Registers a bundle folder as a new model with its original variant. Nothing is stored if it is bad. */
export async function registerModel(input: { dir: string; name: string; description?: string; license?: string; createdById?: string | null }): Promise<TModelView> {
  const name = input.name.trim();
  if (!/^[\w.\- ]{1,100}$/.test(name)) throw new AppError('BAD_REQUEST', 'a model name has 1-100 letters, digits, spaces, dots, dashes or underscores');
  const problems = checkBundle(input.dir);
  if (problems.length) throw new AppError('UNPROCESSABLE', `${input.dir} is not a usable model bundle:\n- ${problems.join('\n- ')}`, { problems });
  const stored = await storeBundle(input.dir);
  const same = await repo.findVariantByHash(stored.hash);
  if (same) throw new AppError('CONFLICT', `an identical bundle is already registered: model "${same.model.name}", variant "${same.name}"`);
  const created = await repo.insertModelWithOriginal(
    { name, description: input.description, license: input.license, createdById: input.createdById },
    { name: 'original', parentId: null, recipe: null, report: null, bundleHash: stored.hash, jobId: null, ...describeBundle(stored.dir) },
  );
  if (!created) throw new AppError('CONFLICT', `a model named "${name}" exists already`);
  return (await getModelView(created.id))!;
}

/**
 * Registers a model from an archive (.zip, .tar, .tar.gz): unpacked into a temporary folder,
 * checked, stored; the temporary folder is removed whatever happens, so a bad archive leaves
 * nothing behind.
 */
export async function registerArchive(input: { file: string; name: string; description?: string; license?: string; createdById?: string | null }): Promise<TModelView> {
  const { ArchiveError, bundleRoot, extractArchive } = await import('./archive');
  const { env } = await import('../env');
  const { randomUUID } = await import('node:crypto');
  const tmp = path.join(env().dataDir, 'tmp', 'unpack', randomUUID());
  try {
    try {
      await extractArchive(input.file, tmp, { maxBytes: env().UPLOAD_MAX_BYTES });
    } catch (err) {
      if (err instanceof ArchiveError) throw new AppError('UNPROCESSABLE', `${path.basename(input.file)}: ${err.message}`);
      throw err;
    }
    return await registerModel({ ...input, dir: bundleRoot(tmp) });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Stores a compressed bundle as a new variant of its parent's model (idempotent per job). */
export async function addCompressedVariant(input: { parentId: string; name: string; dir: string; recipe: unknown; report: unknown; jobId: string }) {
  const parent = await repo.findVariant(input.parentId);
  if (!parent) throw new AppError('NOT_FOUND', 'the parent variant no longer exists');
  const stored = await storeBundle(input.dir);
  const result = await repo.insertVariant({
    modelId: parent.modelId,
    name: input.name,
    parentId: parent.id,
    recipe: JSON.stringify(input.recipe),
    report: JSON.stringify(input.report),
    bundleHash: stored.hash,
    jobId: input.jobId,
    ...describeBundle(stored.dir),
  });
  if (!result) throw new AppError('CONFLICT', `model "${parent.model.name}" already has a variant named "${input.name}"`);
  return result.variant;
}

/**
 * Takes a denoiser distilled elsewhere (following a distillation plan) back in as a variant: it
 * is checked against the teacher and the plan first, and stored beside the teacher's other parts.
 */
export async function acceptDistilledStudent(input: { parentId: string; studentFile: string; plan: unknown; name: string }) {
  const { acceptStudent, ZDistillationPlanSchema } = await import('../compress/distill');
  const plan = ZDistillationPlanSchema.safeParse(input.plan);
  if (!plan.success) throw new AppError('BAD_REQUEST', `not a distillation plan: ${plan.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  const { dir } = await variantBundle(input.parentId);
  const check = acceptStudent(dir, input.studentFile, plan.data);
  if (!check.ok) throw new AppError('UNPROCESSABLE', `the student does not fit the plan:\n- ${check.problems.join('\n- ')}`, { problems: check.problems });
  const tmp = fs.mkdtempSync(path.join(path.dirname(dir), '..', 'tmp-student-'));
  try {
    fs.cpSync(dir, tmp, { recursive: true, filter: (p) => !path.relative(dir, p).startsWith(`transformer${path.sep}model.onnx`) });
    fs.copyFileSync(input.studentFile, path.join(tmp, 'transformer', 'model.onnx'));
    if (fs.existsSync(`${input.studentFile}.data`)) fs.copyFileSync(`${input.studentFile}.data`, path.join(tmp, 'transformer', 'model.onnx.data'));
    fs.rmSync(path.join(tmp, 'prunearena-manifest.json'), { force: true });
    const parent = await repo.findVariant(input.parentId);
    const stored = await storeBundle(tmp);
    const result = await repo.insertVariant({
      modelId: parent!.modelId,
      name: input.name,
      parentId: input.parentId,
      recipe: JSON.stringify({ distilled: true, plan: plan.data }),
      report: JSON.stringify({ studentCheck: check }),
      bundleHash: stored.hash,
      jobId: null,
      ...describeBundle(stored.dir),
    });
    if (!result) throw new AppError('CONFLICT', `model "${parent!.model.name}" already has a variant named "${input.name}"`);
    return result.variant;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export async function variantBundle(variantId: string): Promise<{ dir: string; modelName: string; variantName: string }> {
  const v = await repo.findVariant(variantId);
  if (!v) throw new AppError('NOT_FOUND', 'no such model variant');
  const dir = bundlePath(v.bundleHash);
  if (!fs.existsSync(dir)) throw new AppError('UNAVAILABLE', `the files of ${v.model.name}/${v.name} are missing from ${dir}`);
  return { dir, modelName: v.model.name, variantName: v.name };
}

export async function saveSensitivity(variantId: string, level: string, data: unknown, jobId: string | null) {
  return repo.insertSensitivity({ variantId, level, data: JSON.stringify(data), jobId });
}

/**
 * The newest stored sensitivity a plan at this level can use: the same level, or component data
 * for a block plan (the planner sums it per block). Null when nothing usable was measured.
 */
export async function latestSensitivity(variantId: string, level: 'block' | 'component'): Promise<unknown | null> {
  const all = await repo.listSensitivities(variantId);
  const usable = all.find((s) => s.level === level) ?? (level === 'block' ? all.find((s) => s.level === 'component') : undefined);
  return usable ? JSON.parse(usable.data) : null;
}

const json = (s: string | null) => (s === null ? null : JSON.parse(s));

export async function listModelViews(): Promise<TModelView[]> {
  return (await repo.listModels()).map((m) => toView({ ...m, variants: m.variants.map((v) => ({ ...v, sensitivities: [] })) }));
}

export async function getModelView(id: string): Promise<TModelView | null> {
  const m = await repo.findModel(id);
  return m ? toView(m) : null;
}

export async function hasModels(): Promise<boolean> {
  return (await repo.countModels()) > 0;
}

function toView(m: NonNullable<Awaited<ReturnType<typeof repo.findModel>>>): TModelView {
  return {
    id: m.id,
    name: m.name,
    description: m.description,
    license: m.license,
    createdBy: m.createdBy?.email ?? null,
    createdAt: m.createdAt.toISOString(),
    variants: m.variants.map((v) => ({
      id: v.id,
      name: v.name,
      parentId: v.parentId,
      recipe: json(v.recipe),
      report: json(v.report),
      params: Number(v.params),
      weightBytes: Number(v.weightBytes),
      diskBytes: Number(v.diskBytes),
      structure: json(v.structure),
      bundleHash: v.bundleHash,
      createdAt: v.createdAt.toISOString(),
      sensitivities: v.sensitivities.map((s) => ({ id: s.id, level: s.level, createdAt: s.createdAt.toISOString(), data: json(s.data) })),
    })),
  };
}
