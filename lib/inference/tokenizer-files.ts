import fs from 'node:fs';

/** Reading and checking a tokenizer folder's files; every problem names the file it is in. */
export class TokenizerError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'TokenizerError';
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readJsonObject(file: string, problem = 'cannot read the file as JSON'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TokenizerError(file, `${problem} (${(err as Error).message})`);
  }
  if (!isObject(value)) throw new TokenizerError(file, `expected a JSON object, found ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}`);
  return value;
}

/**
 * As the Rust tokenizers library requires: both halves of a merge and their join are in the
 * vocabulary. Returns the first merge that breaks this, with the missing token.
 */
export function findBadMerge(merges: [string, string][], vocab: Record<string, number>): { index: number; missing: string } | undefined {
  for (const [index, [a, b]] of merges.entries()) {
    const missing = [a, b, a + b].find((token) => !Object.hasOwn(vocab, token));
    if (missing !== undefined) return { index, missing };
  }
  return undefined;
}

export type TClipSpecialTokens = { bos?: string; eos?: string; unk?: string };

/**
 * The tokenizer.json that transformers' CLIPTokenizerFast holds for a CLIP folder that has only
 * vocab.json + merges.txt: NFC, whitespace runs to one space, lowercase; CLIP's word pattern;
 * byte-level BPE whose word-final pieces end in `</w>`; <|startoftext|> ... <|endoftext|> around.
 * The defaults of the special tokens are CLIPTokenizer's.
 */
export function clipTokenizerJson(vocabFile: string, mergesFile: string, special: TClipSpecialTokens): Record<string, unknown> {
  const vocab = readJsonObject(vocabFile);
  for (const [token, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || (id as number) < 0) throw new TokenizerError(vocabFile, `the id of "${token}" must be a non-negative integer (got ${JSON.stringify(id)})`);
  }
  const ids = vocab as Record<string, number>;
  const { pairs, lines } = readMerges(mergesFile);
  const bad = findBadMerge(pairs, ids);
  if (bad) throw new TokenizerError(mergesFile, `line ${lines[bad.index]} ("${pairs[bad.index].join(' ')}"): "${bad.missing}" is not in vocab.json`);

  const bos = special.bos ?? '<|startoftext|>';
  const eos = special.eos ?? '<|endoftext|>';
  const unk = special.unk ?? '<|endoftext|>';
  for (const [role, token] of Object.entries({ bos_token: bos, eos_token: eos, unk_token: unk })) {
    if (!Object.hasOwn(ids, token)) throw new TokenizerError(vocabFile, `the ${role} "${token}" is not in the vocabulary`);
  }
  const added = [...new Set([bos, eos, unk])].map((content) => ({
    id: ids[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: true,
    special: true,
  }));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: [eos, ids[eos]], cls: [bos, ids[bos]], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: unk, continuing_subword_prefix: '', end_of_word_suffix: '</w>', fuse_unk: false, byte_fallback: false, vocab: ids, merges: pairs },
  };
}

/** merges.txt: an optional "#version" header, then one "a b" pair a line, highest priority first. */
function readMerges(file: string): { pairs: [string, string][]; lines: number[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new TokenizerError(file, `cannot read the file (${(err as Error).message})`);
  }
  const pairs: [string, string][] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line === '' || (i === 0 && line.startsWith('#version'))) return;
    const pair = line.split(' ');
    if (pair.length !== 2 || !pair[0] || !pair[1]) throw new TokenizerError(file, `line ${i + 1} must be two tokens separated by one space (got ${JSON.stringify(line.slice(0, 80))})`);
    pairs.push([pair[0], pair[1]]);
    lines.push(i + 1);
  });
  if (pairs.length === 0) throw new TokenizerError(file, 'has no merges');
  return { pairs, lines };
}
