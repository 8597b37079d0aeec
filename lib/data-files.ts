import fs from 'node:fs';
import path from 'node:path';

/**
 * A file shipped under data/ (GenEval's prompts and class names, the paper's ablation). Found
 * from this module's folder under tsx and from the working directory inside the Next.js server
 * bundle, where module paths point into .next/.
 */
export function shippedDataFile(...parts: string[]): string {
  const here = typeof import.meta.dirname === 'string' ? path.resolve(import.meta.dirname, '..') : null;
  for (const root of [here, process.cwd()]) {
    if (!root) continue;
    const p = path.join(root, 'data', ...parts);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`data/${parts.join('/')} is missing: it ships with PruneArena; run from the project folder`);
}
