import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Rng } from '../fixtures/random';
import { scoreGenEval, type TGenEvalReport } from '../scoring/geneval';
import { degrade } from './degrade';
import { SHAPES_DETECTOR } from './detector';
import { metadataLine, type TShapesMetadata } from './prompts';
import { renderScene } from './render';
import { judgeGroundTruth, sceneFor } from './scene';
import { GRID } from './world';

/**
 * GenEval over the generator's own drawings: for every prompt, scenes made for it are rendered
 * into a folder in GenEval's layout (<index>/metadata.jsonl, <index>/samples/<k>.png) and scored
 * by the GenEval scorer with the shapes detector, as a model's images would be. A perfect detector
 * scores 1 here; so does the ground truth itself (judgeGroundTruth), which separates a wrong scene
 * from a wrong detection when the score falls short.
 */

export type TGroundTruthRunOptions = {
  size: number;
  imagesPerPrompt: number;
  /** Seeds the scenes (default 0): image k of prompt i is drawn from Rng(seed).fork("i/k"). */
  seed?: number;
  /** Gaussian blur σ in grid units and noise std in levels, as in accuracy.ts (default 0). */
  blur?: number;
  noise?: number;
};

/** Writes the folder; returns how many scenes their own ground truth satisfies (all, unless the generator is wrong). */
export async function writeGroundTruthRun(dir: string, prompts: TShapesMetadata[], o: TGroundTruthRunOptions): Promise<{ images: number; truthCorrect: number; truthFailures: string[] }> {
  const root = new Rng(o.seed ?? 0);
  let images = 0;
  let truthCorrect = 0;
  const truthFailures: string[] = [];
  for (const [i, meta] of prompts.entries()) {
    const folder = path.join(dir, String(i).padStart(5, '0'));
    fs.mkdirSync(path.join(folder, 'samples'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'metadata.jsonl'), metadataLine(meta) + '\n');
    for (let k = 0; k < o.imagesPerPrompt; k++) {
      const scene = sceneFor(meta, root.fork(`${i}/${k}`));
      const verdict = await judgeGroundTruth(meta, scene);
      images++;
      if (verdict.correct) truthCorrect++;
      else truthFailures.push(`${meta.prompt} (image ${k}): ${verdict.failures.map((f) => f.message).join('; ')}`);
      const rendered = renderScene(scene, o.size).image;
      const image = o.blur || o.noise ? degrade(rendered, { blur: ((o.blur ?? 0) * o.size) / GRID, noise: o.noise ?? 0, seed: i * 1000 + k }) : rendered;
      await sharp(Buffer.from(image.rgb), { raw: { width: image.width, height: image.height, channels: 3 } })
        .png()
        .toFile(path.join(folder, 'samples', `${String(k).padStart(4, '0')}.png`));
    }
  }
  return { images, truthCorrect, truthFailures };
}

export type TGroundTruthScore = { report: TGenEvalReport; images: number; truthCorrect: number; truthFailures: string[] };

/** Renders the prompts' ground truth into a temporary folder and scores it with the shapes detector. */
export async function scoreGroundTruth(prompts: TShapesMetadata[], o: TGroundTruthRunOptions): Promise<TGroundTruthScore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-shapes-'));
  try {
    const written = await writeGroundTruthRun(dir, prompts, o);
    const report = await scoreGenEval(dir, { detector: SHAPES_DETECTOR, bootstrapRounds: 0 });
    return { report, ...written };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
