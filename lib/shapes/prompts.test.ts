import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../fixtures/random';
import { GENEVAL_TASKS, parseGenEvalMetadata, type TGenEvalMetadata } from '../scoring/geneval-protocol';
import { evaluationSetText, shapesEvaluationSet } from './eval-set';
import { metadataLine, parseShapesMetadata, samplePrompt } from './prompts';
import { SHAPE_CLASSES } from './world';

const DATA = path.resolve(import.meta.dirname, '../../data');
const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('shapes prompts in GenEval format', () => {
  it('spells a record exactly as GenEval\'s own file does (every one of its 553 lines round-trips)', () => {
    for (const line of lines(path.join(DATA, 'geneval', 'evaluation_metadata.jsonl'))) expect(metadataLine(JSON.parse(line) as TGenEvalMetadata)).toBe(line);
  });

  it('makes records of every task that GenEval\'s parser accepts in the shapes vocabulary, and only there', () => {
    const rng = new Rng(1);
    for (const task of GENEVAL_TASKS) {
      for (let k = 0; k < 20; k++) {
        const m = samplePrompt(rng, task);
        expect(m.tag).toBe(task);
        expect(parseShapesMetadata(JSON.parse(metadataLine(m)), m.prompt)).toEqual(m);
      }
    }
    expect(() => parseGenEvalMetadata(samplePrompt(rng, 'single_object'), 'x')).toThrow(/unknown class "(circle|square|triangle)" \(not one of GenEval's 80 COCO names\)/);
    expect(() => parseShapesMetadata({ tag: 'single_object', include: [{ class: 'dog', count: 1 }], prompt: 'a photo of a dog' }, 'f')).toThrow(/unknown class "dog" \(not one of this vocabulary's 3 names: circle, square, triangle\)/);
  });
});

describe('the shipped evaluation set (data/shapes)', () => {
  const set = shapesEvaluationSet();

  it('is the file that ships, with the class names beside it', () => {
    expect(fs.readFileSync(path.join(DATA, 'shapes', 'evaluation_metadata.jsonl'), 'utf8')).toBe(evaluationSetText());
    expect(lines(path.join(DATA, 'shapes', 'object_names.txt'))).toEqual([...SHAPE_CLASSES]);
  });

  it('spreads 87 different prompts over the six tasks, each record valid', () => {
    const file = path.join(DATA, 'shapes', 'evaluation_metadata.jsonl');
    lines(file).forEach((l, i) => parseShapesMetadata(JSON.parse(l), `${file}:${i + 1}`));
    const tally = Object.fromEntries(GENEVAL_TASKS.map((t) => [t, set.filter((m) => m.tag === t).length]));
    expect(tally).toEqual({ single_object: 3, two_object: 6, counting: 6, colors: 24, position: 24, color_attr: 24 });
    expect(new Set(set.map((m) => m.prompt)).size).toBe(set.length);
  });

  it('uses GenEval\'s clause forms: exclude only on counting (count + 1), positions relative to clause 0, two different shapes and colours', () => {
    for (const m of set) {
      if (m.tag === 'counting') expect(m.exclude).toEqual([{ class: m.include[0].class, count: m.include[0].count + 1 }]);
      else expect(m.exclude).toBeUndefined();
      if (m.tag === 'position') expect(m.include[1].position?.[1]).toBe(0);
      if (m.include.length === 2) expect(m.include[0].class).not.toBe(m.include[1].class);
      if (m.tag === 'color_attr') expect(m.include[0].color).not.toBe(m.include[1].color);
    }
    expect(set.find((m) => m.include[0].color === 'orange')?.prompt).toMatch(/^a photo of an orange (circle|square|triangle)/);
    expect(set.find((m) => m.tag === 'position')).toEqual({
      tag: 'position',
      include: [{ class: 'square', count: 1 }, { class: 'circle', count: 1, position: ['left of', 0] }],
      prompt: 'a photo of a circle left of a square',
    });
  });
});
