// File-system helpers.

import fs from 'node:fs';
import path from 'node:path';

/**
 * Creates a directory and its missing parents, one level at a time. (Node 20's
 * `mkdirSync(dir, {recursive: true})` can loop forever where mkdir fails with ENOENT although
 * the parent exists, e.g. under /proc.) Throws the first error other than EEXIST.
 * @param {string} dir
 */
export function ensureDir(dir) {
  const missing = [];
  let current = path.resolve(dir);
  while (!fs.existsSync(current)) {
    missing.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if (/** @type {any} */ (e)?.code !== 'EEXIST') throw e;
    }
  }
}
