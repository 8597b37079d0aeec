import fs from 'node:fs';
import { shippedDataFile } from '../data-files';
import { isGenEvalPromptSet } from './prompt-sets';

export type TPrompt = { id: string; prompt: string; tag?: string; metadata?: unknown };

/**
 * Prompt sets: "geneval" (its 553 prompts with metadata, ids 00000-00552 as GenEval numbers its
 * folders), "shapes" (the shapes world's 87 in the same format), or a file: a .jsonl of
 * GenEval-style records or of {"prompt": ...}, or plain text with one prompt a line.
 */
export function loadPrompts(source: string): TPrompt[] {
  const file = isGenEvalPromptSet(source) ? shippedDataFile(source, 'evaluation_metadata.jsonl') : source;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the prompt file ${file}: ${(err as Error).message}`);
  }
  const lines = text.split('\n').map((l) => l.trim());
  const jsonl = file.endsWith('.jsonl') || lines.find(Boolean)?.startsWith('{');
  const prompts: TPrompt[] = [];
  lines.forEach((line, i) => {
    if (!line) return;
    if (!jsonl) {
      prompts.push({ id: String(prompts.length).padStart(5, '0'), prompt: line });
      return;
    }
    let record: { prompt?: unknown; tag?: string };
    try {
      record = JSON.parse(line);
    } catch (err) {
      throw new Error(`${file}:${i + 1}: not JSON (${(err as Error).message})`);
    }
    if (typeof record.prompt !== 'string' || !record.prompt.trim()) throw new Error(`${file}:${i + 1}: no "prompt" string`);
    prompts.push({ id: String(prompts.length).padStart(5, '0'), prompt: record.prompt, tag: record.tag, metadata: record });
  });
  if (prompts.length === 0) throw new Error(`${file} has no prompts`);
  return prompts;
}
