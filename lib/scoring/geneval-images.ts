import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { AppError } from '../errors';
import { parseGenEvalMetadata, type TGenEvalMetadata } from './geneval-protocol';
import type { TRgbImage } from './types';

export type TPromptFolder = {
  /** The folder's number: the prompt's index in GenEval's metadata. */
  index: number;
  folder: string;
  metadata: TGenEvalMetadata;
  /** Image paths relative to IMAGES_DIR, with forward slashes, in sample order. */
  images: string[];
};

/**
 * The prompts and images of a folder in GenEval's layout: IMAGES_DIR/<digits>/metadata.jsonl (one
 * metadata record) and IMAGES_DIR/<digits>/samples/<digits>.png. Other entries are ignored, as the
 * official script ignores them. One difference: a name must be digits + ".png" exactly (the
 * official regex only anchors at the start, so it would also read a leftover "0000.png.tmp").
 */
export function listGenEvalFolders(imagesDir: string): TPromptFolder[] {
  let names: string[];
  try {
    names = fs.readdirSync(imagesDir);
  } catch (err) {
    throw new AppError('NOT_FOUND', `cannot read the images folder ${imagesDir}: ${(err as Error).message}`);
  }
  const out: TPromptFolder[] = [];
  for (const folder of names.filter((n) => /^\d+$/.test(n)).sort()) {
    const dir = path.join(imagesDir, folder);
    if (!fs.statSync(dir).isDirectory()) continue;
    const metaFile = path.join(dir, 'metadata.jsonl');
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    } catch (err) {
      throw new AppError('UNPROCESSABLE', `${metaFile}: cannot read one JSON metadata record (${(err as Error).message})`);
    }
    const samples = path.join(dir, 'samples');
    const files = fs.existsSync(samples) ? fs.readdirSync(samples).filter((n) => /^\d+\.png$/.test(n) && fs.statSync(path.join(samples, n)).isFile()) : [];
    files.sort((a, b) => Number(a.slice(0, -4)) - Number(b.slice(0, -4)) || a.localeCompare(b));
    out.push({ index: Number(folder), folder, metadata: parseGenEvalMetadata(raw, metaFile), images: files.map((f) => `${folder}/samples/${f}`) });
  }
  if (!out.length) throw new AppError('UNPROCESSABLE', `${imagesDir} has no prompt folders (<digits>/metadata.jsonl): is it a folder written by 'arena generate'?`);
  if (!out.some((p) => p.images.length)) throw new AppError('UNPROCESSABLE', `${imagesDir} has prompt folders but no images (<digits>/samples/<digits>.png)`);
  return out;
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
