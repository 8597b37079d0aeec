import fs from 'node:fs';
import path from 'node:path';

/**
 * Tokenizers read from a bundle's `tokenizer/tokenizer.json` (Hugging Face format). Word-level
 * vocabularies (the fixtures and the shapes model) are handled here directly.
 */
export type TTokenizer = { maxLength: number; encode(text: string): number[] };

export class TokenizerError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'TokenizerError';
  }
}

export function loadTokenizer(bundleDir: string, folder = 'tokenizer'): TTokenizer {
  const file = path.join(bundleDir, folder, 'tokenizer.json');
  let spec: {
    model?: { type?: string; vocab?: Record<string, number>; unk_token?: string };
    padding?: { strategy?: { Fixed?: number }; pad_id?: number };
    truncation?: { max_length?: number };
    normalizer?: { type?: string } | null;
    added_tokens?: { id: number; content: string }[];
  };
  try {
    spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TokenizerError(file, `cannot read the tokenizer (${(err as Error).message})`);
  }
  if (spec.model?.type !== 'WordLevel' || !spec.model.vocab) {
    throw new TokenizerError(file, `tokenizer model "${spec.model?.type ?? 'unknown'}" is not supported yet (word-level only)`);
  }
  const vocab = spec.model.vocab;
  const maxLength = spec.padding?.strategy?.Fixed ?? spec.truncation?.max_length;
  if (!maxLength) throw new TokenizerError(file, 'the tokenizer has no fixed length (padding.strategy.Fixed or truncation.max_length)');
  const special = (name: string) => spec.added_tokens?.find((t) => t.content === name)?.id ?? vocab[name];
  const unk = vocab[spec.model.unk_token ?? '[UNK]'];
  const bos = special('[BOS]');
  const eos = special('[EOS]');
  const pad = spec.padding?.pad_id ?? 0;
  const lower = spec.normalizer?.type === 'Lowercase';
  return {
    maxLength,
    encode(text: string) {
      const words = (lower ? text.toLowerCase() : text).match(/\w+|[^\w\s]+/g) ?? [];
      const ids = [...(bos === undefined ? [] : [bos]), ...words.map((w) => vocab[w] ?? unk)].slice(0, maxLength - (eos === undefined ? 0 : 1));
      if (eos !== undefined) ids.push(eos);
      while (ids.length < maxLength) ids.push(pad);
      return ids;
    },
  };
}
