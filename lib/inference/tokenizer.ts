import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { clipTokenizerJson, findBadMerge, isObject, readJsonObject, TokenizerError } from './tokenizer-files';

export { TokenizerError } from './tokenizer-files';

/**
 * Tokenizers read from a bundle's tokenizer folder (diffusers layout), each returning exactly
 * maxLength ids:
 * - `tokenizer.json` with a WordLevel model (the fixtures and the shapes model): read here directly;
 * - `tokenizer.json` with a BPE model (CLIP) or a Unigram model (T5): run by @huggingface/tokenizers;
 * - `vocab.json` + `merges.txt` without tokenizer.json (CLIP folders of SD1.5 and SD3): turned into
 *   the tokenizer.json that transformers' CLIPTokenizerFast would write, then as above.
 * Special tokens and the length come from `special_tokens_map.json` / `tokenizer_config.json`
 * (SD3's CLIP-G pads with "!", SD1.5's CLIP with <|endoftext|>); padding and truncation are ours,
 * the library only splits text into ids.
 */
export type TTokenizerKind = 'word-level' | 'bpe' | 'unigram';
export type TTokenizer = {
  maxLength: number;
  encode(text: string): number[];
  kind?: TTokenizerKind;
  /** The id that ends every encoding (kept by truncation), if the tokenizer appends one. */
  eosId?: number;
  padId?: number;
};
export type TTokenizerOptions = {
  /** Overrides the folder's length (model_max_length), e.g. SD3's T5 at 256 or 77. */
  maxLength?: number;
};

export function loadTokenizer(bundleDir: string, folder = 'tokenizer', options: TTokenizerOptions = {}): TTokenizer {
  const dir = path.join(bundleDir, folder);
  if (options.maxLength !== undefined && !(Number.isInteger(options.maxLength) && options.maxLength > 0)) {
    throw new TokenizerError(dir, `maxLength must be a positive integer (got ${options.maxLength})`);
  }
  const file = path.join(dir, 'tokenizer.json');
  if (fs.existsSync(file)) {
    const spec = readJsonObject(file, 'cannot read the tokenizer');
    const type = isObject(spec.model) ? spec.model.type : undefined;
    if (type === 'WordLevel') return loadWordLevel(file, spec as TWordLevelSpec, options);
    if (type === 'BPE' || type === 'Unigram') {
      if (type === 'BPE') checkBpeModel(file, spec.model as Record<string, unknown>);
      else checkUnigramModel(file, spec.model as Record<string, unknown>);
      return loadWithLibrary(dir, file, spec, options);
    }
    throw new TokenizerError(file, `tokenizer model "${typeof type === 'string' ? type : 'unknown'}" is not supported (WordLevel, BPE or Unigram)`);
  }
  const vocabFile = path.join(dir, 'vocab.json');
  const mergesFile = path.join(dir, 'merges.txt');
  if (fs.existsSync(vocabFile) && fs.existsSync(mergesFile)) {
    const special = readSpecialTokens(dir);
    const spec = clipTokenizerJson(vocabFile, mergesFile, {
      bos: special.tokens.bos_token?.value,
      eos: special.tokens.eos_token?.value,
      unk: special.tokens.unk_token?.value,
    });
    return loadWithLibrary(dir, vocabFile, spec, options, special);
  }
  if (fs.existsSync(path.join(dir, 'spiece.model'))) {
    throw new TokenizerError(
      dir,
      'only a SentencePiece model (spiece.model) is here, which cannot be read; a tokenizer.json is needed (save the fast tokenizer, e.g. T5TokenizerFast.from_pretrained(...).save_pretrained(...))',
    );
  }
  throw new TokenizerError(dir, 'no tokenizer found: expected tokenizer.json, or vocab.json + merges.txt (CLIP BPE)');
}

type TWordLevelSpec = {
  model: { type: 'WordLevel'; vocab?: Record<string, number>; unk_token?: string };
  padding?: { strategy?: { Fixed?: number }; pad_id?: number };
  truncation?: { max_length?: number };
  normalizer?: { type?: string } | null;
  added_tokens?: { id: number; content: string }[];
};

function loadWordLevel(file: string, spec: TWordLevelSpec, options: TTokenizerOptions): TTokenizer {
  if (!spec.model.vocab) throw new TokenizerError(file, 'tokenizer model "WordLevel" has no vocab');
  const vocab = spec.model.vocab;
  const maxLength = options.maxLength ?? spec.padding?.strategy?.Fixed ?? spec.truncation?.max_length;
  if (!maxLength) throw new TokenizerError(file, 'the tokenizer has no fixed length (padding.strategy.Fixed or truncation.max_length)');
  const special = (name: string) => spec.added_tokens?.find((t) => t.content === name)?.id ?? vocab[name];
  const unk = vocab[spec.model.unk_token ?? '[UNK]'];
  const bos = special('[BOS]');
  const eos = special('[EOS]');
  const pad = spec.padding?.pad_id ?? 0;
  const lower = spec.normalizer?.type === 'Lowercase';
  return {
    kind: 'word-level',
    maxLength,
    eosId: eos,
    padId: pad,
    encode(text: string) {
      const words = (lower ? text.toLowerCase() : text).match(/\w+|[^\w\s]+/g) ?? [];
      const ids = [...(bos === undefined ? [] : [bos]), ...words.map((w) => vocab[w] ?? unk)].slice(0, maxLength - (eos === undefined ? 0 : 1));
      if (eos !== undefined) ids.push(eos);
      while (ids.length < maxLength) ids.push(pad);
      return ids;
    },
  };
}

const SPECIAL_KEYS = ['bos_token', 'eos_token', 'unk_token', 'pad_token'] as const;
type TSpecialKey = (typeof SPECIAL_KEYS)[number];
type TSpecialTokens = {
  /** Each special token and the file that named it. */
  tokens: Partial<Record<TSpecialKey, { value: string; file: string }>>;
  /** tokenizer_config.json with its special tokens as plain strings, as the library wants it. */
  config: Record<string, unknown>;
  configFile: string;
};

/** special_tokens_map.json overrides tokenizer_config.json, as in transformers' from_pretrained. */
function readSpecialTokens(dir: string): TSpecialTokens {
  const configFile = path.join(dir, 'tokenizer_config.json');
  const mapFile = path.join(dir, 'special_tokens_map.json');
  const config = fs.existsSync(configFile) ? readJsonObject(configFile) : {};
  const map = fs.existsSync(mapFile) ? readJsonObject(mapFile) : {};
  const tokens: TSpecialTokens['tokens'] = {};
  for (const [source, file] of [
    [config, configFile],
    [map, mapFile],
  ] as const) {
    for (const key of SPECIAL_KEYS) {
      const value = tokenContent(source[key], file, key);
      if (value !== undefined) tokens[key] = { value, file };
    }
  }
  const [additional, additionalFile] = map.additional_special_tokens !== undefined ? [map.additional_special_tokens, mapFile] : [config.additional_special_tokens, configFile];
  const plain: Record<string, unknown> = {
    ...config,
    additional_special_tokens: Array.isArray(additional) ? additional.map((t) => tokenContent(t, additionalFile, 'additional_special_tokens')).filter((t) => t !== undefined) : [],
  };
  for (const key of SPECIAL_KEYS) plain[key] = tokens[key]?.value;
  return { tokens, config: plain, configFile };
}

/** A special token is written either as a string or as an AddedToken object with a content. */
function tokenContent(value: unknown, file: string, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.content === 'string') return value.content;
  throw new TokenizerError(file, `"${key}" must be a string or an object with a string "content" (got ${JSON.stringify(value)})`);
}

/** transformers writes int(1e30) as model_max_length when a checkpoint sets no limit. */
const NO_LIMIT = 1e9;

function configMaxLength(special: TSpecialTokens): number | undefined {
  const value = special.config.model_max_length;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TokenizerError(special.configFile, `model_max_length must be a positive integer (got ${JSON.stringify(value)})`);
  }
  return value >= NO_LIMIT ? undefined : value;
}

function specMaxLength(spec: Record<string, unknown>): number | undefined {
  const padding = isObject(spec.padding) && isObject(spec.padding.strategy) ? spec.padding.strategy.Fixed : undefined;
  const truncation = isObject(spec.truncation) ? spec.truncation.max_length : undefined;
  const value = padding ?? truncation;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

const SENTINEL = '\u0000sequence\u0000';

function loadWithLibrary(dir: string, file: string, spec: Record<string, unknown>, options: TTokenizerOptions, special = readSpecialTokens(dir)): TTokenizer {
  const kind: TTokenizerKind = (spec.model as { type: string }).type === 'BPE' ? 'bpe' : 'unigram';
  if (spec.added_tokens !== undefined && !(Array.isArray(spec.added_tokens) && spec.added_tokens.every((t) => isObject(t) && Number.isInteger(t.id) && typeof t.content === 'string'))) {
    throw new TokenizerError(file, '"added_tokens" must be a list of {"id": integer, "content": string}');
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(
      { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...spec, added_tokens: spec.added_tokens ?? [] },
      special.config,
    );
  } catch (err) {
    throw new TokenizerError(file, `cannot build the tokenizer (${(err as Error).message})`);
  }

  const maxLength = options.maxLength ?? configMaxLength(special) ?? specMaxLength(spec);
  if (!maxLength) throw new TokenizerError(special.configFile, 'no length: model_max_length is missing (and tokenizer.json fixes none); pass maxLength');

  // Which special tokens the post-processor puts around a sequence: truncation keeps them.
  const around = tokenizer.post_processor ? tokenizer.post_processor([SENTINEL], null, true).tokens : [SENTINEL];
  const at = around.indexOf(SENTINEL);
  if (at < 0) throw new TokenizerError(file, 'the post_processor drops the sequence');
  const toId = (token: string) => {
    const id = tokenizer.token_to_id(token);
    if (id === undefined) throw new TokenizerError(file, `the post_processor adds "${token}", which is not in the vocabulary`);
    return id;
  };
  const prefix = around.slice(0, at).map(toId);
  const suffix = around.slice(at + 1).map(toId);
  if (maxLength <= prefix.length + suffix.length) {
    throw new TokenizerError(dir, `length ${maxLength} leaves no room for text between ${prefix.length + suffix.length} special tokens`);
  }

  const padToken = special.tokens.pad_token;
  let padId: number | undefined;
  if (padToken) {
    padId = tokenizer.token_to_id(padToken.value);
    if (padId === undefined) throw new TokenizerError(padToken.file, `pad_token "${padToken.value}" is not in the vocabulary`);
  } else {
    const padding = isObject(spec.padding) ? spec.padding : undefined;
    padId = typeof padding?.pad_id === 'number' ? padding.pad_id : undefined;
  }
  if (padId === undefined) throw new TokenizerError(dir, 'no pad token: neither special_tokens_map.json nor tokenizer_config.json names a pad_token');

  const room = maxLength - prefix.length - suffix.length;
  return {
    kind,
    maxLength,
    eosId: suffix.at(-1),
    padId,
    encode(text: string) {
      let content: number[];
      try {
        content = tokenizer.encode(text, { add_special_tokens: false }).ids;
      } catch (err) {
        throw new TokenizerError(file, `cannot encode ${JSON.stringify(text.slice(0, 40))} (${(err as Error).message})`);
      }
      if (content.some((id) => !Number.isInteger(id))) throw new TokenizerError(file, `${JSON.stringify(text.slice(0, 40))} has a piece with no id and the model has no unknown token`);
      const ids = [...prefix, ...content.slice(0, room), ...suffix];
      while (ids.length < maxLength) ids.push(padId);
      return ids;
    },
  };
}

function checkBpeModel(file: string, model: Record<string, unknown>) {
  const vocab = model.vocab;
  if (!isObject(vocab) || !Object.values(vocab).every((id) => Number.isInteger(id))) throw new TokenizerError(file, 'model.vocab must map tokens to integer ids');
  if (!Array.isArray(model.merges)) throw new TokenizerError(file, 'model.merges must be a list');
  const pairs = model.merges.map((m, i) => {
    const pair = typeof m === 'string' ? m.split(' ') : m;
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((p) => typeof p === 'string' && p.length > 0)) {
      throw new TokenizerError(file, `model.merges[${i}] must be "a b" or ["a", "b"] (got ${JSON.stringify(m)})`);
    }
    return pair as [string, string];
  });
  const bad = findBadMerge(pairs, vocab as Record<string, number>);
  if (bad) throw new TokenizerError(file, `model.merges[${bad.index}] ("${pairs[bad.index].join(' ')}"): "${bad.missing}" is not in model.vocab`);
}

function checkUnigramModel(file: string, model: Record<string, unknown>) {
  const vocab = model.vocab;
  if (!Array.isArray(vocab) || vocab.length === 0 || !vocab.every((e) => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number')) {
    throw new TokenizerError(file, 'model.vocab must be a non-empty list of [piece, score]');
  }
  const unk = model.unk_id;
  if (unk !== undefined && unk !== null && !(Number.isInteger(unk) && (unk as number) >= 0 && (unk as number) < vocab.length)) {
    throw new TokenizerError(file, `model.unk_id must be an index into model.vocab (got ${JSON.stringify(unk)})`);
  }
}
