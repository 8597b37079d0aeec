import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeColourClipFixture } from '../../lib/scoring/colour-clip-fixture';
import { canvas, fillRect, writeGenEvalRun } from '../../lib/scoring/geneval-fixtures';
import type { TGenEvalReport } from '../../lib/scoring/geneval';
import { SHAPES_DETECTOR } from '../../lib/shapes/detector';
import { shapesEvaluationSet } from '../../lib/shapes/eval-set';
import { writeGroundTruthRun } from '../../lib/shapes/ground-truth-run';
import { UsageError } from '../framework';
import { cliHarness } from '../testing';
import { scoreGeneval } from './score';

const { out, at, run: arenaScore } = cliHarness(scoreGeneval, 'arena-score-', { quietStderr: true });

/** Two prompts from two tasks: a bench found in 1 of 2 images, two clocks counted right in 2 of 2. */
async function run(): Promise<string> {
  const clocks = canvas(32, 32);
  fillRect(clocks, [0, 0, 8, 8], [255, 255, 255]);
  return writeGenEvalRun(at('images'), [
    { metadata: { tag: 'single_object', include: [{ class: 'bench', count: 1 }], prompt: 'a photo of a bench' }, images: [{ detections: [{ class: 'bench', score: 0.8, box: [0, 0, 8, 8] }] }, { detections: [] }] },
    {
      metadata: { tag: 'counting', include: [{ class: 'clock', count: 2 }], exclude: [{ class: 'clock', count: 3 }], prompt: 'a photo of two clocks' },
      images: [0, 1].map(() => ({ image: clocks, detections: [{ class: 'clock', score: 0.95, box: [0, 0, 8, 8] as [number, number, number, number] }, { class: 'clock', score: 0.92, box: [20, 20, 30, 30] as [number, number, number, number] }] })),
    },
  ]);
}

describe('arena score geneval', () => {
  it('prints the full report as JSON', async () => {
    const file = await run();
    expect(await arenaScore(at('images'), '--detections', file, '--bootstrap', '200', '--seed', '3', '--json')).toBe(0);
    const r = JSON.parse(out.join('\n')) as TGenEvalReport;
    expect(r.tasks.map((t) => [t.tag, t.score, t.correctImages, t.images])).toEqual([
      ['single_object', 0.5, 1, 2],
      ['counting', 1, 2, 2],
    ]);
    expect(r.overall.score).toBe(0.75);
    expect(r.bootstrap).toMatchObject({ rounds: 200, seed: 3 });
    expect(r.images[1].failures[0].message).toBe('expected at least 1 bench, found 0');
    expect(r.missingTasks).toEqual(['two_object', 'colors', 'position', 'color_attr']);
  });

  it('prints a table with intervals and counts, and can write the report too', async () => {
    const file = await run();
    const report = at('report.json');
    expect(await arenaScore(at('images'), '--detections', file, '--out', report)).toBe(0);
    const text = out.join('\n');
    // one prompt per task: resampling prompts cannot move a task's score
    expect(text).toMatch(/single_object\s+0\.5000\s+\[0\.5000, 0\.5000\]\s+1\/2\s+1/);
    expect(text).toMatch(/counting\s+1\.0000\s+\[1\.0000, 1\.0000\]\s+2\/2/);
    expect(text).toMatch(/overall\s+0\.7500 .*INCOMPLETE: missing two_object/);
    expect(JSON.parse(fs.readFileSync(report, 'utf8')).overall.score).toBe(0.75);
  });

  it('asks for exactly one source of detections: a file or an ONNX detector', async () => {
    const err = await arenaScore(at()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/either --detections FILE .* or --detector DIR/);
  });

  it('turns a bad detections file or flag into a usage error naming the line', async () => {
    const file = await run();
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"clock"', '"sofa"'));
    await expect(arenaScore(at('images'), '--detections', file)).rejects.toThrow(/detections\.jsonl:3: detections\[0\]: unknown class "sofa"/);
    await expect(arenaScore(at('images'), '--detections', file, '--bootstrap', 'many')).rejects.toThrow(/--bootstrap must be a whole number/);
    expect(out).toEqual([]);
  });

  it('judges colours with the CLIP folder given by --colour-clip, and says so', async () => {
    const img = canvas(32, 32, [255, 0, 0]);
    const mask = fillRect(img, [8, 8, 24, 24], [0, 0, 255]);
    const file = await writeGenEvalRun(at('images'), [
      {
        metadata: { tag: 'colors', include: [{ class: 'car', count: 1, color: 'blue' }], prompt: 'a photo of a blue car' },
        images: [{ image: img, detections: [{ class: 'car', score: 0.9, box: [4, 4, 28, 28], mask }] }],
      },
    ]);
    const clip = writeColourClipFixture(at('colour-clip'));
    expect(await arenaScore(at('images'), '--detections', file, '--colour-clip', clip.dir, '--json')).toBe(0);
    const r = JSON.parse(out.join('\n')) as TGenEvalReport;
    expect(r.colourClassifier).toMatchObject({ id: `clip:${clip.name}`, kind: 'clip', objectsClassified: 1 });
    expect(r.images[0].colours[0].found).toEqual(['blue']);
    out.length = 0;
    expect(await arenaScore(at('images'), '--detections', file, '--colour-clip', clip.dir)).toBe(0);
    expect(out.join('\n')).toMatch(/colour classifier: clip:prunearena\/colour-clip-fixture v1: CLIP zero-shot/);
    out.length = 0;
    expect(await arenaScore(at('images'), '--detections', file)).toBe(0);
    expect(out.join('\n')).toMatch(/colour classifier: pixel-lab/);
  });

  it('names --colour-clip when its folder is missing or is not a CLIP scorer', async () => {
    const file = await run();
    await expect(arenaScore(at('images'), '--detections', file, '--colour-clip', at('nope'))).rejects.toThrow(/^--colour-clip: .*nope: no such scorer folder/);
    await expect(arenaScore(at('images'), '--detections', file, '--colour-clip', at())).rejects.toThrow(/^--colour-clip: .* is not a CLIP scorer folder/);
    const err = await arenaScore(at('images'), '--detections', file, '--colour-clip', at()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(out).toEqual([]);
  });

  it('judges shapes-world images with the built-in shapes detector given by --detector shapes', async () => {
    const images = at('shapes');
    // one prompt of each of the six tasks, drawn as their own ground truth
    const prompts = shapesEvaluationSet().filter((m, i, all) => all.findIndex((o) => o.tag === m.tag) === i);
    await writeGroundTruthRun(images, prompts, { size: 32, imagesPerPrompt: 1 });
    expect(await arenaScore(images, '--detector', 'shapes', '--bootstrap', '0', '--json')).toBe(0);
    const r = JSON.parse(out.join('\n')) as TGenEvalReport;
    expect(r.detections).toEqual({ source: 'detector', id: SHAPES_DETECTOR.id, title: SHAPES_DETECTOR.title });
    expect(r.complete).toBe(true);
    expect(r.overall.score).toBe(1);
    await expect(arenaScore(images, '--detector', 'shapes', '--detections', at('d.jsonl'))).rejects.toThrow(/either --detections FILE .* or --detector DIR\|shapes/);
  });
});
