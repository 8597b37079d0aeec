import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENEVAL_FOLDER_RULES, listGenEvalFolders, parsePromptRecord, readPromptFolders, SCORER_FOLDER_RULES } from './geneval-images';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-folder-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const META = { tag: 'single_object', include: [{ class: 'dog', count: 1 }], prompt: 'a photo of a dog' };

function write(rel: string, content: string | Buffer = 'x') {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), content);
}

/** A folder with what GenEval reads and what only the HPS/CLIPScore rules read. */
function mixedFolder() {
  write('00000/metadata.jsonl', JSON.stringify(META) + '\n');
  for (const f of ['0010.png', '0002.png', '0001.jpg', '0003.PNG', '0000.png.tmp', 'best.png', '0004.webp']) write(`00000/samples/${f}`);
  fs.mkdirSync(path.join(dir, '00000', 'samples', '0005.png')); // a folder, not an image
  write('00001/metadata.jsonl', JSON.stringify({ ...META, prompt: 'a photo of a cat', include: [{ class: 'cat', count: 1 }] }) + '\n');
  fs.mkdirSync(path.join(dir, '00001', 'samples'));
  write('notes.txt');
}

describe('the GenEval image-folder reader', () => {
  it("with GenEval's rules: digit folders, <digits>.png samples in number order, and a prompt without images kept", () => {
    mixedFolder();
    write('extra/metadata.jsonl', '{}'); // not a digit folder: skipped, as evaluate_images.py skips it
    const folders = listGenEvalFolders(dir);
    expect(folders.map((f) => [f.index, f.folder, f.metadata.prompt, f.images])).toEqual([
      [0, '00000', 'a photo of a dog', ['00000/samples/0002.png', '00000/samples/0010.png']],
      [1, '00001', 'a photo of a cat', []],
    ]);
  });

  it('with the HPS/CLIPScore rules: any folder, .png/.jpg/.jpeg in any case, but every prompt needs images', () => {
    mixedFolder();
    expect(() => readPromptFolders(dir, SCORER_FOLDER_RULES, parsePromptRecord)).toThrow(/00001\/samples holds no images \(\.png, \.jpg, \.jpeg\)/);
    fs.rmSync(path.join(dir, '00001'), { recursive: true });
    write('extra/metadata.jsonl', '\n{"prompt": "a red bench", "tag": "colors"}\n{"prompt": "ignored"}\n');
    write('extra/samples/a.jpeg');
    const folders = readPromptFolders(dir, SCORER_FOLDER_RULES, parsePromptRecord);
    expect(folders.map((f) => [f.folder, f.metadata, f.images])).toEqual([
      ['00000', { prompt: 'a photo of a dog', tag: 'single_object' }, ['00000/samples/0001.jpg', '00000/samples/0002.png', '00000/samples/0003.PNG', '00000/samples/0010.png', '00000/samples/best.png']],
      ['extra', { prompt: 'a red bench', tag: 'colors' }, ['extra/samples/a.jpeg']],
    ]);
  });

  it('reads metadata.jsonl as one JSON record (GenEval: the whole file) and names the file when it is not', () => {
    write('00000/metadata.jsonl', JSON.stringify(META, null, 2)); // pretty-printed: json.load reads it
    write('00000/samples/0000.png');
    expect(listGenEvalFolders(dir)[0].metadata.tag).toBe('single_object');
    expect(() => readPromptFolders(dir, SCORER_FOLDER_RULES, parsePromptRecord)).toThrow(/00000\/metadata\.jsonl: not one JSON metadata record/);
    write('00000/metadata.jsonl', JSON.stringify(META) + '\n' + JSON.stringify(META) + '\n');
    expect(() => listGenEvalFolders(dir)).toThrow(/00000\/metadata\.jsonl: not one JSON metadata record/);
    write('00000/metadata.jsonl', '{"tag": "colors"}');
    expect(() => readPromptFolders(dir, SCORER_FOLDER_RULES, parsePromptRecord)).toThrow(/metadata\.jsonl: no "prompt" string/);
    expect(() => listGenEvalFolders(dir)).toThrow(/metadata\.jsonl: not a GenEval metadata record/);
  });

  it('says what is missing: the folder, prompt folders, a metadata file, any image', () => {
    expect(() => listGenEvalFolders(path.join(dir, 'nope'))).toThrow(/cannot read the images folder .*nope/);
    expect(() => listGenEvalFolders(dir)).toThrow(/has no prompt folders \(<digits>\/metadata\.jsonl/);
    fs.mkdirSync(path.join(dir, '00000', 'samples'), { recursive: true });
    expect(() => readPromptFolders(dir, GENEVAL_FOLDER_RULES, (r) => r)).toThrow(/00000 has no metadata\.jsonl/);
    write('00000/metadata.jsonl', JSON.stringify(META));
    expect(() => listGenEvalFolders(dir)).toThrow(/has prompt folders but no images/);
  });
});
