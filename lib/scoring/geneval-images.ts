import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { AppError } from '../errors';
import { parseGenEvalMetadata, type TGenEvalMetadata } from './geneval-protocol';
import type { TRgbImage } from './types';

/**
 * The one reader of GenEval's image-folder layout, which `arena generate` writes and every scorer
 * reads:
 *   IMAGES_DIR/<prompt id>/metadata.jsonl    one JSON record (GenEval's metadata, or at least "prompt")
 *   IMAGES_DIR/<prompt id>/samples/<k>.png   the prompt's images
 * Scorers differ in how strict they are, so the rules are options; the two sets in use are below.
 */
export type TFolderRules = {
  /** What names the official GenEval script reads: digits-only prompt folders and `<digits>.png` samples (exact case); anything else is skipped. Otherwise every sub-folder is a prompt folder and any file with an accepted extension (any case) is a sample. */
  genevalNames: boolean;
  /** Accepted sample extensions, lower case with the dot. */
  extensions: readonly string[];
  /** How metadata.jsonl holds its record: the whole file is one JSON value (json.load, as GenEval reads it), or its first non-empty line is. */
  metadata: 'whole-file' | 'first-line';
  /** A prompt folder without images: an error, or kept with none (the GenEval report names it and leaves it out). */
  requireImages: boolean;
};

/**
 * GenEval's rules (evaluate_images.py). One difference: a sample name must be digits + ".png"
 * exactly (the official regex only anchors at the start, so it would also read a leftover
 * "0000.png.tmp").
 */
export const GENEVAL_FOLDER_RULES: TFolderRules = { genevalNames: true, extensions: ['.png'], metadata: 'whole-file', requireImages: false };

/**
 * HPS and CLIPScore: any prompt folder name, .png, .jpg or .jpeg samples (the display .webp copies
 * `arena generate` writes beside them are not counted), and every prompt must have images.
 */
export const SCORER_FOLDER_RULES: TFolderRules = { genevalNames: false, extensions: ['.png', '.jpg', '.jpeg'], metadata: 'first-line', requireImages: true };

export type TPromptFolder<M> = {
  /** The folder's name: the prompt id (for GenEval, the prompt's index in its metadata). */
  folder: string;
  metadataFile: string;
  metadata: M;
  /** Image paths relative to IMAGES_DIR, with forward slashes, in sample order. */
  images: string[];
};

/** Orders `<digits>.<ext>` names by their number, everything else (and ties) by code unit. */
function bySampleNumber(a: string, b: string): number {
  const num = (n: string) => (/^\d+\./.test(n) ? Number(n.slice(0, n.indexOf('.'))) : Infinity);
  return num(a) - num(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function readRecord(file: string, how: TFolderRules['metadata']): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('UNPROCESSABLE', `${file}: cannot read the metadata (${(err as Error).message})`);
  }
  try {
    return JSON.parse(how === 'whole-file' ? text : (text.split('\n').find((l) => l.trim()) ?? ''));
  } catch (err) {
    throw new AppError('UNPROCESSABLE', `${file}: not one JSON metadata record (${(err as Error).message})`);
  }
}

/**
 * The prompt folders of IMAGES_DIR in name order, each with its metadata record (checked by
 * `parse`, which names the file in its errors) and its images.
 */
export function readPromptFolders<M>(imagesDir: string, rules: TFolderRules, parse: (record: unknown, file: string) => M): TPromptFolder<M>[] {
  const root = path.resolve(imagesDir);
  let entries: string[];
  try {
    entries = fs.readdirSync(root);
  } catch (err) {
    throw new AppError('NOT_FOUND', `cannot read the images folder ${root}: ${(err as Error).message}`);
  }
  const sampleName = rules.genevalNames
    ? (n: string) => rules.extensions.some((ext) => n.endsWith(ext) && /^\d+$/.test(n.slice(0, -ext.length)))
    : (n: string) => rules.extensions.includes(path.extname(n).toLowerCase());
  const out: TPromptFolder<M>[] = [];
  // stat, not the entry's own type: a symlinked prompt folder counts, as os.path.isdir counts it
  const isDir = (p: string) => fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
  const names = entries.filter((n) => (!rules.genevalNames || /^\d+$/.test(n)) && isDir(path.join(root, n)));
  for (const folder of names.sort()) {
    const dir = path.join(root, folder);
    const metadataFile = path.join(dir, 'metadata.jsonl');
    if (!fs.existsSync(metadataFile)) throw new AppError('UNPROCESSABLE', `${dir} has no metadata.jsonl: is ${root} a folder of generated images (GenEval layout)?`);
    const metadata = parse(readRecord(metadataFile, rules.metadata), metadataFile);
    const samples = path.join(dir, 'samples');
    const files = fs.existsSync(samples) ? fs.readdirSync(samples).filter((n) => sampleName(n) && fs.statSync(path.join(samples, n), { throwIfNoEntry: false })?.isFile()) : [];
    if (rules.requireImages && !files.length) throw new AppError('UNPROCESSABLE', `${samples} holds no images (${rules.extensions.join(', ')})`);
    out.push({ folder, metadataFile, metadata, images: files.sort(bySampleNumber).map((f) => `${folder}/samples/${f}`) });
  }
  const exts = rules.extensions.join('|');
  const layout = rules.genevalNames ? `<digits>/metadata.jsonl and <digits>/samples/<digits>${exts}` : `<id>/metadata.jsonl and <id>/samples/*${exts}`;
  if (!out.length) throw new AppError('UNPROCESSABLE', `${root} has no prompt folders (${layout}): is it a folder written by 'arena generate'?`);
  if (!out.some((p) => p.images.length)) throw new AppError('UNPROCESSABLE', `${root} has prompt folders but no images (${layout})`);
  return out;
}

export type TGenEvalFolder = TPromptFolder<TGenEvalMetadata> & { index: number };

/**
 * The prompt folders as GenEval reads them, with GenEval metadata; `index` is the folder's number.
 * `classNames`: the vocabulary the metadata's classes come from (default GenEval's 80 COCO names).
 */
export function listGenEvalFolders(imagesDir: string, classNames?: ReadonlySet<string>): TGenEvalFolder[] {
  return readPromptFolders(imagesDir, GENEVAL_FOLDER_RULES, (record, file) => parseGenEvalMetadata(record, file, classNames)).map((f) => ({ ...f, index: Number(f.folder) }));
}

/** A prompt for HPS and CLIPScore: "prompt" is required, GenEval's "tag" is kept when there is one. */
export function parsePromptRecord(record: unknown, file: string): { prompt: string; tag: string | null } {
  const r = (record ?? {}) as { prompt?: unknown; tag?: unknown };
  if (typeof r !== 'object' || typeof r.prompt !== 'string' || !r.prompt.trim()) throw new AppError('UNPROCESSABLE', `${file}: no "prompt" string`);
  return { prompt: r.prompt, tag: typeof r.tag === 'string' ? r.tag : null };
}

/** Width and height after EXIF orientation, read from the header only. */
export async function imageSize(file: string): Promise<{ width: number; height: number }> {
  const m = await sharp(file).metadata();
  return { width: m.autoOrient?.width ?? m.width, height: m.autoOrient?.height ?? m.height };
}

/** 8-bit RGB pixels, EXIF orientation applied (as the official code does), alpha dropped. */
export async function readRgb(file: string): Promise<TRgbImage> {
  const { data, info } = await sharp(file).autoOrient().removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels === 3) return { width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  const n = info.width * info.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) rgb.fill(data[i * info.channels], i * 3, i * 3 + 3);
  return { width: info.width, height: info.height, rgb };
}
