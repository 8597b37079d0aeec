/**
 * Writes the shapes world's evaluation prompts and class names, which ship with PruneArena:
 *   data/shapes/evaluation_metadata.jsonl   GenEval's format (eval-set.ts says what is in it)
 *   data/shapes/object_names.txt            the class names, one a line, as data/geneval has them
 *
 *   npx tsx lib/shapes/write-eval-set.ts [--check]
 *
 * --check writes nothing and fails when the files differ from what would be written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { evaluationSetText } from './eval-set';
import { SHAPE_CLASSES } from './world';

const dir = path.resolve(import.meta.dirname, '../../data/shapes');
const files: [string, string][] = [
  [path.join(dir, 'evaluation_metadata.jsonl'), evaluationSetText()],
  [path.join(dir, 'object_names.txt'), SHAPE_CLASSES.join('\n') + '\n'],
];

if (process.argv.includes('--check')) {
  const stale = files.filter(([file, text]) => !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text);
  for (const [file] of stale) console.error(`${path.relative(process.cwd(), file)} is out of date: run npx tsx lib/shapes/write-eval-set.ts`);
  process.exitCode = stale.length ? 1 : 0;
} else {
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of files) {
    fs.writeFileSync(file, text);
    console.log(`wrote ${path.relative(process.cwd(), file)} (${text.trim().split('\n').length} lines)`);
  }
}
