import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVocabulary, clipBpeFiles, encodeWords, tokenizerJson, unigramFiles, writeTokenizerFiles, type TTokenizerFiles } from '../fixtures/tokenizer';
import { loadTokenizer, TokenizerError } from './tokenizer';

let root: string;
let count = 0;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-tokenizer-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Writes a bundle with the files in `tokenizer/` and returns the bundle folder. */
function bundle(files: TTokenizerFiles, edit: TTokenizerFiles = {}, remove: string[] = []): string {
  const dir = path.join(root, `bundle-${count++}`);
  const all = { ...files, ...edit };
  for (const name of remove) delete all[name];
  writeTokenizerFiles(path.join(dir, 'tokenizer'), all);
  return dir;
}

const pad = (ids: number[], length: number, padId: number) => [...ids, ...Array(length - ids.length).fill(padId)];

/** Ids of the CLIP fixture (lib/fixtures/tokenizer.ts): id = index in CLIP_FIXTURE_VOCAB. */
const C = { bang: 0, dotEnd: 2, aEnd: 4, redEnd: 15, cir: 18, cleEnd: 19, byteC3: 20, byteA9End: 21, start: 22, end: 23 };
/** Ids of the Unigram fixture: id = index in UNIGRAM_FIXTURE_VOCAB. */
const U = { pad: 0, eos: 1, unk: 2, space: 3, a: 4, red: 5, cir: 9, cle: 10, dot: 11 };

describe('CLIP BPE from vocab.json + merges.txt (SD1.5 tokenizer/)', () => {
  it('lowercases, splits words, merges by rank with </w> at word ends, and pads to 77 with <|endoftext|>', () => {
    const tok = loadTokenizer(bundle(clipBpeFiles()));
    expect(tok.kind).toBe('bpe');
    expect(tok.maxLength).toBe(77);
    expect(tok.eosId).toBe(C.end);
    expect(tok.padId).toBe(C.end);
    // "red": e+d</w> (rank 0) before r+e (rank 1), then r+ed</w>; "circle": c+i, l+e</w>, ci+r, c+le</w>.
    const ids = tok.encode('a red circle');
    expect(ids).toEqual(pad([C.start, C.aEnd, C.redEnd, C.cir, C.cleEnd, C.end], 77, C.end));
    expect(tok.encode('  A\tRED \n Circle  ')).toEqual(ids);
    expect(tok.encode('a red circle.').slice(0, 7)).toEqual([C.start, C.aEnd, C.redEnd, C.cir, C.cleEnd, C.dotEnd, C.end]);
  });

  it('encodes other characters as UTF-8 bytes, and bytes it has no piece for as the unknown token', () => {
    const tok = loadTokenizer(bundle(clipBpeFiles()));
    expect(tok.encode('é').slice(0, 4)).toEqual([C.start, C.byteC3, C.byteA9End, C.end]);
    // "☺" is three bytes (E2 98 BA), none of them in the tiny vocabulary; unknown is <|endoftext|>, as in CLIP.
    expect(tok.encode('a ☺ red').slice(0, 8)).toEqual([C.start, C.aEnd, C.end, C.end, C.end, C.redEnd, C.end, C.end]);
  });

  it('reads the pad token from the folder: "!" for SD3\'s CLIP-G, and special_tokens_map.json wins over tokenizer_config.json', () => {
    const clipG = loadTokenizer(bundle(clipBpeFiles({ padToken: '!' })));
    expect(clipG.padId).toBe(C.bang);
    expect(clipG.encode('a red')).toEqual(pad([C.start, C.aEnd, C.redEnd, C.end], 77, C.bang));
    const files = clipBpeFiles();
    const map = { ...JSON.parse(files['special_tokens_map.json']), pad_token: '!' };
    expect(loadTokenizer(bundle(files, { 'special_tokens_map.json': JSON.stringify(map) })).padId).toBe(C.bang);
    expect(loadTokenizer(bundle(files, {}, ['special_tokens_map.json'])).padId).toBe(C.end);
  });

  it('takes the length from model_max_length or the caller, and truncates keeping <|endoftext|> last', () => {
    const short = loadTokenizer(bundle(clipBpeFiles({ maxLength: 5 })));
    expect(short.maxLength).toBe(5);
    expect(short.encode('a red circle')).toEqual([C.start, C.aEnd, C.redEnd, C.cir, C.end]);
    const tok = loadTokenizer(bundle(clipBpeFiles()), 'tokenizer', { maxLength: 6 });
    expect(tok.encode('a red circle')).toEqual([C.start, C.aEnd, C.redEnd, C.cir, C.cleEnd, C.end]);
    expect(tok.encode('')).toEqual([C.start, C.end, C.end, C.end, C.end, C.end]);
    const long = loadTokenizer(bundle(clipBpeFiles())).encode(Array(100).fill('red').join(' '));
    expect(long).toHaveLength(77);
    expect(long.at(-1)).toBe(C.end);
    expect(long.slice(1, 76).every((id) => id === C.redEnd)).toBe(true);
  });

  it('gives the same ids from a folder that also has tokenizer.json (CLIPTokenizerFast)', () => {
    const slow = loadTokenizer(bundle(clipBpeFiles({ padToken: '!' })));
    const fast = loadTokenizer(bundle(clipBpeFiles({ padToken: '!', tokenizerJson: true }), {}, ['vocab.json', 'merges.txt']));
    expect(fast.kind).toBe('bpe');
    for (const text of ['a red circle', 'A RED CIRCLE.', 'é ☺', '', 'a<|endoftext|>red']) expect(fast.encode(text), text).toEqual(slow.encode(text));
  });
});

describe('T5 Unigram from tokenizer.json (SD3 tokenizer_3/, FLUX tokenizer_2/)', () => {
  it('picks the most probable split, keeps case, appends </s> and pads with <pad>', () => {
    const tok = loadTokenizer(bundle(unigramFiles()));
    expect(tok.kind).toBe('unigram');
    expect(tok.maxLength).toBe(77);
    expect(tok.eosId).toBe(U.eos);
    expect(tok.padId).toBe(U.pad);
    // "▁circle." → ▁cir (-2) + cle (-2) + . (-1) beats ▁circle (-6) + .
    expect(tok.encode('a red circle.')).toEqual(pad([U.a, U.red, U.cir, U.cle, U.dot, U.eos], 77, U.pad));
    expect(tok.encode('  a   red ')).toEqual(pad([U.a, U.red, U.eos], 77, U.pad));
    // T5 does not lowercase: "A" is unknown after the word-start "▁"; a run of unknown characters is one <unk>.
    expect(tok.encode('A red').slice(0, 4)).toEqual([U.space, U.unk, U.red, U.eos]);
    expect(tok.encode('a ☺☺ red').slice(0, 5)).toEqual([U.a, U.space, U.unk, U.red, U.eos]);
  });

  it('takes model_max_length from tokenizer_config.json unless the caller overrides it, and truncates keeping </s>', () => {
    expect(loadTokenizer(bundle(unigramFiles({ maxLength: 256 }))).encode('a red')).toHaveLength(256);
    const tok = loadTokenizer(bundle(unigramFiles({ maxLength: 256 })), 'tokenizer', { maxLength: 4 });
    expect(tok.maxLength).toBe(4);
    expect(tok.encode('a red circle.')).toEqual([U.a, U.red, U.cir, U.eos]);
    expect(tok.encode('a')).toEqual([U.a, U.eos, U.pad, U.pad]);
  });

  it('refuses a folder with only spiece.model, saying a tokenizer.json is needed', () => {
    const dir = bundle(unigramFiles({ spieceOnly: true }));
    expect(() => loadTokenizer(dir)).toThrow(TokenizerError);
    expect(() => loadTokenizer(dir)).toThrow(/tokenizer: only a SentencePiece model \(spiece\.model\).*a tokenizer\.json is needed/);
  });
});

describe('word-level tokenizer.json (fixtures)', () => {
  it('encodes as before: [BOS] words [EOS], unknown words as [UNK], padded', () => {
    const vocab = buildVocabulary(['a red circle', 'a blue square']);
    const dir = bundle({ 'tokenizer.json': JSON.stringify(tokenizerJson(vocab, 12)) });
    const tok = loadTokenizer(dir);
    expect(tok.kind).toBe('word-level');
    expect(tok.maxLength).toBe(12);
    for (const text of ['a red circle', 'A Blue, circle!', 'a green triangle', '']) expect(tok.encode(text)).toEqual(encodeWords(vocab, text, 12));
  });
});

describe('malformed folders: a TokenizerError naming the file and the problem', () => {
  const clip = clipBpeFiles();
  const t5 = unigramFiles();
  const cases: [string, () => string, RegExp][] = [
    ['an empty folder', () => bundle({}), /tokenizer: no tokenizer found: expected tokenizer\.json, or vocab\.json \+ merges\.txt/],
    ['tokenizer.json that is not JSON', () => bundle(t5, { 'tokenizer.json': '{"model": {"type": "Unig' }), /tokenizer\.json: cannot read the tokenizer \(/],
    ['tokenizer.json that is a list', () => bundle(t5, { 'tokenizer.json': '[]' }), /tokenizer\.json: expected a JSON object, found a list/],
    ['an unsupported model type', () => bundle(t5, { 'tokenizer.json': JSON.stringify({ model: { type: 'WordPiece', vocab: {} } }) }), /tokenizer\.json: tokenizer model "WordPiece" is not supported/],
    ['a Unigram vocab that is not [piece, score] pairs', () => bundle(t5, { 'tokenizer.json': JSON.stringify({ model: { type: 'Unigram', unk_id: 0, vocab: [['a', 'x']] } }) }), /tokenizer\.json: model\.vocab must be a non-empty list of \[piece, score\]/],
    ['a Unigram unk_id outside the vocab', () => bundle(t5, { 'tokenizer.json': JSON.stringify({ model: { type: 'Unigram', unk_id: 9, vocab: [['a', -1]] } }) }), /tokenizer\.json: model\.unk_id must be an index/],
    ['a component the library does not know', () => bundle(t5, { 'tokenizer.json': JSON.stringify({ normalizer: { type: 'Nope' }, model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0]] } }) }), /tokenizer\.json: cannot build the tokenizer \(Unknown Normalizer type: Nope\)/],
    ['a BPE merge whose join is not in the vocab', () => bundle(clip, { 'tokenizer.json': JSON.stringify({ model: { type: 'BPE', vocab: { a: 0, b: 1 }, merges: ['a b'] } }) }), /tokenizer\.json: model\.merges\[0\] \("a b"\): "ab" is not in model\.vocab/],
    ['vocab.json that is not JSON', () => bundle(clip, { 'vocab.json': '{"a": 1,' }), /vocab\.json: cannot read the file as JSON/],
    ['vocab.json with a non-integer id', () => bundle(clip, { 'vocab.json': JSON.stringify({ a: 'one' }) }), /vocab\.json: the id of "a" must be a non-negative integer/],
    ['vocab.json without <|startoftext|>', () => bundle(clip, { 'vocab.json': JSON.stringify({ ...JSON.parse(clip['vocab.json']), '<|startoftext|>': undefined }) }), /vocab\.json: the bos_token "<\|startoftext\|>" is not in the vocabulary/],
    ['a merges.txt line that is not a pair', () => bundle(clip, { 'merges.txt': '#version: 0.2\ne d</w>\nr e x\n' }), /merges\.txt: line 3 must be two tokens separated by one space/],
    ['a merge of tokens not in vocab.json', () => bundle(clip, { 'merges.txt': '#version: 0.2\ne d</w>\nq u\n' }), /merges\.txt: line 3 \("q u"\): "q" is not in vocab\.json/],
    ['an empty merges.txt', () => bundle(clip, { 'merges.txt': '#version: 0.2\n' }), /merges\.txt: has no merges/],
    ['tokenizer_config.json that is not JSON', () => bundle(clip, { 'tokenizer_config.json': 'model_max_length: 77' }), /tokenizer_config\.json: cannot read the file as JSON/],
    ['a model_max_length that is not a number', () => bundle(t5, { 'tokenizer_config.json': JSON.stringify({ model_max_length: '77', pad_token: '<pad>' }) }), /tokenizer_config\.json: model_max_length must be a positive integer \(got "77"\)/],
    ['no length anywhere', () => bundle(t5, { 'tokenizer_config.json': JSON.stringify({ pad_token: '<pad>' }) }), /tokenizer_config\.json: no length: model_max_length is missing.*pass maxLength/],
    ['a pad token not in the vocabulary', () => bundle(clip, { 'special_tokens_map.json': JSON.stringify({ pad_token: '<pad>' }) }), /special_tokens_map\.json: pad_token "<pad>" is not in the vocabulary/],
    ['a special token that is neither a string nor {content}', () => bundle(clip, { 'special_tokens_map.json': JSON.stringify({ pad_token: 0 }) }), /special_tokens_map\.json: "pad_token" must be a string or an object with a string "content"/],
    ['no pad token in a T5 folder', () => bundle(t5, { 'tokenizer_config.json': JSON.stringify({ model_max_length: 77 }) }, ['special_tokens_map.json']), /tokenizer: no pad token/],
  ];
  it.each(cases)('%s', (_name, make, message) => {
    const dir = make();
    let error: unknown;
    try {
      loadTokenizer(dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TokenizerError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message.startsWith(path.join(dir, 'tokenizer'))).toBe(true);
  });

  it('refuses a length the caller gives that is not a positive integer, or that leaves no room for text', () => {
    expect(() => loadTokenizer(bundle(t5), 'tokenizer', { maxLength: 0 })).toThrow(/maxLength must be a positive integer/);
    expect(() => loadTokenizer(bundle(clip), 'tokenizer', { maxLength: 2 })).toThrow(/length 2 leaves no room for text between 2 special tokens/);
  });
});
