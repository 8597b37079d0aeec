import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { encodeRle } from './rle';
import type { TBox, TMask, TRgbImage } from './types';

/**
 * Small synthetic GenEval runs for tests and demos: images drawn as flat rectangles, written in
 * GenEval's folder layout, with a detections file that says where the rectangles are.
 */
export type TRgb = readonly [number, number, number];

export function canvas(width: number, height: number, background: TRgb = [128, 128, 128]): TRgbImage {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set(background, i * 3);
  return { width, height, rgb };
}

/** Paints the pixels [x1, x2) x [y1, y2) and returns their mask. */
export function fillRect(image: TRgbImage, box: TBox, colour: TRgb): TMask {
  const data = new Uint8Array(image.width * image.height);
  for (let y = Math.floor(box[1]); y < Math.ceil(box[3]); y++) {
    for (let x = Math.floor(box[0]); x < Math.ceil(box[2]); x++) {
      image.rgb.set(colour, (y * image.width + x) * 3);
      data[y * image.width + x] = 1;
    }
  }
  return { width: image.width, height: image.height, data };
}

export type TFixtureDetection = { class: string; score: number; box: TBox; mask?: TMask };
export type TFixtureImage = { image?: TRgbImage; detections: TFixtureDetection[] };
export type TFixturePrompt = { metadata: unknown; images: TFixtureImage[] };

/**
 * Writes DIR/<5-digit i>/metadata.jsonl and samples/<4-digit k>.png for every prompt, and the
 * matching detections JSONL (masks as COCO RLE strings); returns the detections file's path.
 */
export async function writeGenEvalRun(dir: string, prompts: TFixturePrompt[], size = 32): Promise<string> {
  const lines: string[] = [];
  for (const [i, p] of prompts.entries()) {
    const folder = String(i).padStart(5, '0');
    fs.mkdirSync(path.join(dir, folder, 'samples'), { recursive: true });
    fs.writeFileSync(path.join(dir, folder, 'metadata.jsonl'), JSON.stringify(p.metadata) + '\n');
    for (const [k, img] of p.images.entries()) {
      const image = img.image ?? canvas(size, size);
      const rel = `${folder}/samples/${String(k).padStart(4, '0')}.png`;
      await sharp(Buffer.from(image.rgb), { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(path.join(dir, rel));
      const detections = img.detections.map((d) => ({ class: d.class, score: d.score, box: d.box, ...(d.mask ? { mask: encodeRle(d.mask) } : {}) }));
      lines.push(JSON.stringify({ image: rel, width: image.width, height: image.height, detections }));
    }
  }
  const file = path.join(dir, 'detections.jsonl');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
