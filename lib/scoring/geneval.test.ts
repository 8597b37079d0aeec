import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { canvas, fillRect, type TFixtureDetection, writeGenEvalRun } from './geneval-fixtures';
import { judgeImage } from './geneval-judge';
import { GENEVAL_PROTOCOL, keptDetections, parseGenEvalMetadata, relativePosition, type TGenEvalMetadata } from './geneval-protocol';
import { summariseGenEval, type TPromptOutcome } from './geneval-summary';
import { scoreGenEval } from './geneval';
import { SCORERS } from './registry';
import type { TBox } from './types';

const METADATA = fs
  .readFileSync(path.resolve(import.meta.dirname, '../../data/geneval/evaluation_metadata.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as TGenEvalMetadata);

/** The official metadata record of a prompt. */
const meta = (prompt: string) => {
  const m = METADATA.find((r) => r.prompt === prompt);
  if (!m) throw new Error(`no GenEval prompt "${prompt}"`);
  return parseGenEvalMetadata(m, prompt);
};

const det = (cls: string, score: number, box: TBox = [0, 0, 10, 10]): TFixtureDetection => ({ class: cls, score, box });

/** Judges one image without pixels; colours come from the `colour` given per detection box. */
async function judge(m: TGenEvalMetadata, dets: (TFixtureDetection & { colour?: string })[]) {
  return judgeImage(m, keptDetections(dets, m.tag), async (obj) => (obj as { colour?: string }).colour ?? 'none');
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-geneval-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the official metadata', () => {
  it('has the 553 prompts in six tasks, and exclude clauses only on counting prompts (count + 1 of the same class)', () => {
    expect(METADATA).toHaveLength(553);
    const tags = Object.fromEntries(['single_object', 'two_object', 'counting', 'colors', 'position', 'color_attr'].map((t) => [t, METADATA.filter((r) => r.tag === t).length]));
    expect(tags).toEqual({ single_object: 80, two_object: 99, counting: 80, colors: 94, position: 100, color_attr: 100 });
    const withExclude = METADATA.filter((r) => r.exclude);
    expect(withExclude.every((r) => r.tag === 'counting' && r.exclude![0].class === r.include[0].class && r.exclude![0].count === r.include[0].count + 1)).toBe(true);
    expect(withExclude).toHaveLength(80);
    for (const r of METADATA) parseGenEvalMetadata(r, r.prompt);
  });

  it('rejects a position relative to a later clause and an unknown class', () => {
    expect(() => parseGenEvalMetadata({ tag: 'position', prompt: 'x', include: [{ class: 'dog', count: 1, position: ['left of', 1] }, { class: 'cat', count: 1 }] }, 'f')).toThrow(/earlier clause/);
    expect(() => parseGenEvalMetadata({ tag: 'single_object', prompt: 'x', include: [{ class: 'dogg', count: 1 }] }, 'f')).toThrow(/unknown class "dogg"/);
  });
});

describe('which detections count', () => {
  it('keeps confidence strictly above 0.3, or above 0.9 for counting prompts, most confident first', () => {
    const dets = [det('dog', 0.3), det('dog', 0.31), det('dog', 0.95), det('dog', 0.9), det('cat', 0.1)];
    expect(keptDetections(dets, 'single_object').get('dog')!.map((d) => d.score)).toEqual([0.95, 0.9, 0.31]);
    expect(keptDetections(dets, 'counting').get('dog')!.map((d) => d.score)).toEqual([0.95]);
    expect(keptDetections(dets, 'single_object').has('cat')).toBe(false);
  });

  it('keeps at most 16 per class, the most confident, and does no NMS by default (official max_overlap = 1)', () => {
    const dets = Array.from({ length: 20 }, (_, i) => det('dog', 0.5 + i * 0.02));
    const kept = keptDetections(dets, 'single_object').get('dog')!;
    expect(kept).toHaveLength(16);
    expect(kept[0].score).toBeCloseTo(0.88);
    expect(kept[15].score).toBeCloseTo(0.58);
    const same = [det('dog', 0.9, [0, 0, 10, 10]), det('dog', 0.8, [0, 0, 10, 10])];
    expect(keptDetections(same, 'single_object').get('dog')).toHaveLength(2);
    expect(keptDetections(same, 'single_object', { ...GENEVAL_PROTOCOL, maxOverlap: 0.5 }).get('dog')).toHaveLength(1);
  });
});

describe('relative position', () => {
  it('names left of / right of / above / below with y growing downward', () => {
    const b: TBox = [40, 40, 60, 60];
    expect(relativePosition([0, 40, 20, 60], b)).toEqual(['left of']);
    expect(relativePosition([80, 40, 100, 60], b)).toEqual(['right of']);
    expect(relativePosition([40, 0, 60, 20], b)).toEqual(['above']);
    expect(relativePosition([40, 80, 60, 100], b)).toEqual(['below']);
    expect(relativePosition([0, 0, 20, 20], b)).toEqual(['left of', 'above']);
  });

  it('says nothing when the offset is within 0.1 x the two sizes (tie/overlap), and not "left of" at a steep angle', () => {
    // centres 3 px apart, sizes 20 + 20: 3 - 0.1 * 40 < 0 on both axes
    expect(relativePosition([37, 40, 57, 60], [40, 40, 60, 60])).toEqual([]);
    expect(relativePosition([40, 40, 60, 60], [40, 40, 60, 60])).toEqual([]);
    // 30 px left but 60 px down: dx = (30 - 4) / 67 < 0.5
    expect(relativePosition([10, 100, 30, 120], [40, 40, 60, 60])).toEqual(['below']);
  });
});

describe('GenEval verdicts per task', () => {
  it('single object: present passes, absent or under 0.3 fails and says what was found', async () => {
    const m = meta('a photo of a bench');
    expect((await judge(m, [det('bench', 0.8)])).correct).toBe(true);
    const absent = await judge(m, [det('dog', 0.99)]);
    expect(absent.correct).toBe(false);
    expect(absent.failures).toEqual([expect.objectContaining({ clause: 'include', index: 0, class: 'bench', kind: 'count', expected: 1, found: 0, message: 'expected at least 1 bench, found 0' })]);
    expect((await judge(m, [det('bench', 0.3)])).correct).toBe(false);
  });

  it('two objects: both needed; the missing one is named; a 0.5 detection counts outside counting', async () => {
    const m = meta('a photo of a bench and a sports ball');
    expect((await judge(m, [det('bench', 0.9), det('sports ball', 0.5)])).correct).toBe(true);
    const v = await judge(m, [det('bench', 0.9)]);
    expect(v.failures.map((f) => [f.class, f.kind])).toEqual([['sports ball', 'count']]);
  });

  it('counting: exactly right passes; one too many fails on the exclude clause; one too few on the include clause', async () => {
    const m = meta('a photo of two clocks');
    expect((await judge(m, [det('clock', 0.95), det('clock', 0.97)])).correct).toBe(true);
    const many = await judge(m, [det('clock', 0.95), det('clock', 0.97), det('clock', 0.99)]);
    expect(many.failures).toEqual([expect.objectContaining({ clause: 'exclude', class: 'clock', expected: 3, found: 3, message: 'expected fewer than 3 clock, found 3' })]);
    const few = await judge(m, [det('clock', 0.95)]);
    expect(few.failures).toEqual([expect.objectContaining({ clause: 'include', kind: 'count', expected: 2, found: 1 })]);
  });

  it('counting uses 0.9: a third clock at 0.85 is not counted, and a second one at 0.85 is not enough', async () => {
    const m = meta('a photo of two clocks');
    expect((await judge(m, [det('clock', 0.95), det('clock', 0.97), det('clock', 0.85)])).correct).toBe(true);
    expect((await judge(m, [det('clock', 0.95), det('clock', 0.85)])).failures[0]).toMatchObject({ kind: 'count', found: 1 });
  });

  it('the 16-per-class limit applies before exclude clauses', async () => {
    const m = parseGenEvalMetadata({ tag: 'counting', prompt: 'many dogs', include: [{ class: 'dog', count: 16 }], exclude: [{ class: 'dog', count: 17 }] }, 'test');
    const twenty = Array.from({ length: 20 }, (_, i) => det('dog', 0.95 + i * 0.001));
    const v = await judge(m, twenty);
    expect(v.correct).toBe(true);
  });

  it('colour: every one of the top `count` objects must have the colour', async () => {
    const m = meta('a photo of a blue fire hydrant');
    expect((await judge(m, [{ ...det('fire hydrant', 0.9), colour: 'blue' }])).correct).toBe(true);
    const red = await judge(m, [{ ...det('fire hydrant', 0.9), colour: 'red' }, { ...det('fire hydrant', 0.5), colour: 'blue' }]);
    expect(red.failures).toEqual([expect.objectContaining({ kind: 'colour', expected: 'blue', found: ['red'], message: 'expected 1 blue fire hydrant, found 1 red' })]);
    expect(red.colours).toEqual([{ clause: 0, class: 'fire hydrant', found: ['red'] }]);
  });

  it('position: the most confident object against the target clause\'s object, all four relations', async () => {
    const right = meta('a photo of a dog right of a teddy bear');
    const bear = det('teddy bear', 0.9, [10, 40, 30, 60]);
    expect((await judge(right, [bear, det('dog', 0.9, [70, 40, 90, 60])])).correct).toBe(true);
    const wrong = await judge(right, [bear, det('dog', 0.9, [0, 40, 5, 60])]);
    expect(wrong.failures).toEqual([expect.objectContaining({ kind: 'position', expected: 'right of', target: 0, found: ['left of'] })]);
    // a less confident dog on the left does not matter; only the top `count` are compared
    expect((await judge(right, [bear, det('dog', 0.9, [70, 40, 90, 60]), det('dog', 0.5, [0, 40, 5, 60])])).correct).toBe(true);
    expect((await judge(right, [bear, det('dog', 0.5, [70, 40, 90, 60]), det('dog', 0.9, [0, 40, 5, 60])])).correct).toBe(false);
    const above = meta('a photo of a wine glass above a kite');
    expect((await judge(above, [det('kite', 0.9, [40, 60, 60, 80]), det('wine glass', 0.9, [40, 0, 60, 20])])).correct).toBe(true);
    expect((await judge(above, [det('kite', 0.9, [40, 0, 60, 20]), det('wine glass', 0.9, [40, 60, 60, 80])])).failures[0]).toMatchObject({ found: ['below'] });
    const below = meta('a photo of a couch below a cup');
    expect((await judge(below, [det('cup', 0.9, [40, 0, 60, 20]), det('couch', 0.9, [20, 60, 80, 90])])).correct).toBe(true);
    const left = meta('a photo of a laptop left of a cow');
    expect((await judge(left, [det('cow', 0.9, [60, 0, 90, 30]), det('laptop', 0.9, [0, 0, 30, 30])])).correct).toBe(true);
    expect((await judge(left, [det('cow', 0.9, [0, 0, 30, 30]), det('laptop', 0.9, [60, 0, 90, 30])])).correct).toBe(false);
  });

  it('position: overlapping boxes (offset within 0.1 x sizes) fail, and a missing target fails both clauses', async () => {
    const m = meta('a photo of a dog right of a teddy bear');
    const tie = await judge(m, [det('teddy bear', 0.9, [40, 40, 60, 60]), det('dog', 0.9, [42, 40, 62, 60])]);
    expect(tie.failures).toEqual([expect.objectContaining({ kind: 'position', found: [], message: expect.stringContaining('no clear relation') })]);
    const noBear = await judge(m, [det('dog', 0.9, [70, 40, 90, 60])]);
    expect(noBear.failures.map((f) => [f.class, f.kind])).toEqual([
      ['teddy bear', 'count'],
      ['dog', 'no-target'],
    ]);
  });

  it('colour attribution: each object has its own colour; swapped colours fail both clauses', async () => {
    const m = meta('a photo of a purple wine glass and a black apple');
    expect((await judge(m, [{ ...det('wine glass', 0.9), colour: 'purple' }, { ...det('apple', 0.9), colour: 'black' }])).correct).toBe(true);
    const swapped = await judge(m, [{ ...det('wine glass', 0.9), colour: 'black' }, { ...det('apple', 0.9), colour: 'purple' }]);
    expect(swapped.failures.map((f) => [f.class, f.kind])).toEqual([
      ['wine glass', 'colour'],
      ['apple', 'colour'],
    ]);
  });
});

describe('task and overall scores, bootstrap intervals', () => {
  it('task = share of correct images; overall = mean of task scores, each task weighing the same', () => {
    const outcomes: TPromptOutcome[] = [
      { tag: 'single_object', images: 4, correct: 4 },
      { tag: 'single_object', images: 4, correct: 2 },
      { tag: 'counting', images: 4, correct: 1 },
      { tag: 'counting', images: 2, correct: 0 },
    ];
    const s = summariseGenEval(outcomes, { rounds: 0, seed: 0 });
    expect(s.tasks.map((t) => [t.tag, t.score, t.correctImages, t.images, t.prompts])).toEqual([
      ['single_object', 0.75, 6, 8, 2],
      ['counting', 1 / 6, 1, 6, 2],
    ]);
    expect(s.overall.score).toBeCloseTo((0.75 + 1 / 6) / 2);
    expect(s.overall.ci).toBeNull();
    expect(s.missingTasks).toEqual(['two_object', 'colors', 'position', 'color_attr']);
  });

  it('intervals contain the point estimate, repeat with the seed, and narrow with more prompts', () => {
    const prompts = (n: number): TPromptOutcome[] =>
      Array.from({ length: n }, (_, i) => ({ tag: ['single_object', 'counting'][i % 2], images: 4, correct: [0, 1, 2, 3, 4][(i * 7) % 5] }));
    const small = summariseGenEval(prompts(20), { rounds: 1000, seed: 1 });
    const large = summariseGenEval(prompts(400), { rounds: 1000, seed: 1 });
    for (const s of [small, large]) {
      expect(s.overall.ci![0]).toBeLessThanOrEqual(s.overall.score);
      expect(s.overall.ci![1]).toBeGreaterThanOrEqual(s.overall.score);
      for (const t of s.tasks) expect(t.ci![0] <= t.score && t.score <= t.ci![1]).toBe(true);
    }
    const width = (s: typeof small) => s.overall.ci![1] - s.overall.ci![0];
    expect(width(large)).toBeLessThan(width(small) / 2);
    expect(summariseGenEval(prompts(20), { rounds: 1000, seed: 1 })).toEqual(small);
  });
});

describe('scoreGenEval on a folder of images', () => {
  const BLUE = [0, 0, 255] as const;
  const RED = [255, 0, 0] as const;

  it('judges colours from the masked pixels, reports why images failed and which classifier ran', async () => {
    const hydrant = meta('a photo of a blue fire hydrant');
    const blueImg = canvas(32, 32, [200, 40, 40]);
    const blueMask = fillRect(blueImg, [8, 8, 20, 24], BLUE);
    const redImg = canvas(32, 32, [0, 0, 255]);
    const redMask = fillRect(redImg, [8, 8, 20, 24], RED);
    // no mask: the whole box, mostly blue, is judged
    const boxImg = canvas(32, 32);
    fillRect(boxImg, [4, 4, 28, 28], BLUE);
    const attr = meta('a photo of a purple wine glass and a black apple');
    const two = canvas(32, 32, [255, 255, 255]);
    const glass = fillRect(two, [2, 2, 12, 30], [128, 0, 128]);
    const apple = fillRect(two, [18, 10, 30, 22], [10, 10, 10]);
    const file = await writeGenEvalRun(dir, [
      {
        metadata: hydrant,
        images: [
          { image: blueImg, detections: [{ class: 'fire hydrant', score: 0.9, box: [6, 6, 22, 26], mask: blueMask }] },
          { image: redImg, detections: [{ class: 'fire hydrant', score: 0.9, box: [6, 6, 22, 26], mask: redMask }] },
          { image: boxImg, detections: [{ class: 'fire hydrant', score: 0.9, box: [2, 2, 30, 30] }] },
        ],
      },
      {
        metadata: attr,
        images: [
          { image: two, detections: [{ class: 'wine glass', score: 0.9, box: [2, 2, 12, 30], mask: glass }, { class: 'apple', score: 0.8, box: [18, 10, 30, 22], mask: apple }] },
          { image: two, detections: [{ class: 'wine glass', score: 0.9, box: [18, 10, 30, 22], mask: apple }, { class: 'apple', score: 0.8, box: [2, 2, 12, 30], mask: glass }] },
        ],
      },
    ]);
    const r = await scoreGenEval(dir, { detectionsFile: file, bootstrapRounds: 100 });
    expect(r.images.map((i) => i.correct)).toEqual([true, false, true, true, false]);
    expect(r.images[1].failures[0]).toMatchObject({ kind: 'colour', expected: 'blue', found: ['red'] });
    expect(r.images[3].colours).toEqual([
      { clause: 0, class: 'wine glass', found: ['purple'] },
      { clause: 1, class: 'apple', found: ['black'] },
    ]);
    expect(r.images[4].failures.map((f) => f.message)).toEqual(['expected 1 purple wine glass, found 1 black', 'expected 1 black apple, found 1 purple']);
    expect(r.colourClassifier).toMatchObject({ id: 'pixel-lab', objectsClassified: 7 });
    expect(r.notes.join('\n')).toMatch(/pixel fallback.*not comparable/);
    expect(r.tasks.map((t) => [t.tag, t.correctImages, t.images])).toEqual([
      ['colors', 2, 3],
      ['color_attr', 1, 2],
    ]);
    expect(r.overall.score).toBeCloseTo((2 / 3 + 1 / 2) / 2);
    expect(r.complete).toBe(false);
    expect(r.prompts.map((p) => [p.index, p.tag, p.correct, p.images])).toEqual([
      [0, 'colors', 2, 3],
      [1, 'color_attr', 1, 2],
    ]);
    expect(r.scorer.id).toBe(SCORERS[0].id);
  });

  it('runs a pluggable detector on the pixels and checks what it returns', async () => {
    await writeGenEvalRun(dir, [{ metadata: meta('a photo of a bench'), images: [{ detections: [] }, { detections: [] }] }]);
    let calls = 0;
    const r = await scoreGenEval(dir, {
      detector: { id: 'fake', title: 'test', detect: async (img) => (calls++ === 0 ? [{ class: 'bench', score: 0.9, box: [0, 0, img.width, img.height] }] : []) },
      bootstrapRounds: 0,
    });
    expect(r.images.map((i) => i.correct)).toEqual([true, false]);
    expect(r.detections).toEqual({ source: 'detector', id: 'fake', title: 'test' });
    await expect(scoreGenEval(dir, { detector: { id: 'bad', title: 'x', detect: async () => [{ class: 'bench', score: 0.9, box: [0, 0, 99, 10] }] } })).rejects.toThrow(/detector bad on 00000\/samples\/0000.png: detection 0: box \[0,0,99,10\] is outside the 32x32 image/);
  });
});

describe('the detections file', () => {
  async function setup(): Promise<string> {
    return writeGenEvalRun(dir, [{ metadata: meta('a photo of a bench'), images: [{ detections: [det('bench', 0.9)] }, { detections: [] }] }]);
  }
  const rewrite = (file: string, edit: (lines: string[]) => string[]) => fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8').trim().split('\n')).join('\n'));
  const failure = async (file: string) => {
    const err = await scoreGenEval(dir, { detectionsFile: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).message;
  };

  it('names the line of bad JSON, an unknown class and an out-of-range box, and scores nothing', async () => {
    const file = await setup();
    rewrite(file, (l) => [l[0], '{"image": "00000/samples/0001.png", "detections": [', ...l.slice(1)]);
    expect(await failure(file)).toMatch(/detections\.jsonl:2: not JSON/);
    rewrite(file, (l) => [l[0].replace('"bench"', '"benchh"'), l[2]]);
    expect(await failure(file)).toMatch(/detections\.jsonl:1: detections\[0\]: unknown class "benchh"/);
    rewrite(file, (l) => [l[0].replace('"benchh"', '"bench"').replace('[0,0,10,10]', '[0,0,10,40]'), l[1]]);
    expect(await failure(file)).toMatch(/detections\.jsonl:1: detections\[0\]: box \[0,0,10,40\] is outside the 32x32 image/);
  });

  it('checks boxes against the PNG when the line gives no size, and needs every image exactly once', async () => {
    const file = await setup();
    rewrite(file, (l) => [l[0].replace(',"width":32,"height":32', '').replace('[0,0,10,10]', '[-1,0,10,10]'), l[1]]);
    expect(await failure(file)).toMatch(/detections\.jsonl:1: detections\[0\]: box \[-1,0,10,10\] starts outside the image/);
    rewrite(file, (l) => [l[0].replace('[-1,0,10,10]', '[0,0,33,10]'), l[1]]);
    expect(await failure(file)).toMatch(/detections\.jsonl:1: detections\[0\]: box \[0,0,33,10\] is outside the 32x32 image/);
    rewrite(file, (l) => [l[0].replace('[0,0,33,10]', '[0,0,10,10]')]);
    expect(await failure(file)).toMatch(/1 image\(s\) have no line .* 00000\/samples\/0001\.png/);
    rewrite(file, (l) => [l[0], l[0]]);
    expect(await failure(file)).toMatch(/detections\.jsonl:2: image "00000\/samples\/0000\.png" already appears on line 1/);
    rewrite(file, (l) => [l[0], l[0].replace('0000.png', '0001.png'), l[0].replace('0000.png', '0002.png')]);
    expect(await failure(file)).toMatch(/detections\.jsonl:3: image "00000\/samples\/0002\.png" is not in/);
    rewrite(file, (l) => [l[0], l[1].replace('"detections"', '"detection"')]);
    expect(await failure(file)).toMatch(/detections\.jsonl:2: /);
  });
});
