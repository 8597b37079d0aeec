import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { env } from '../env';

/**
 * Model bundles (a diffusers ONNX folder) stored content-addressed: the folder is named by the
 * sha256 of its manifest (every file's path, size and sha256), copied in under a temporary name
 * and renamed into place, so a bundle is never seen half-written and identical bundles are
 * stored once. onnxruntime opens the files by path, with external data beside them.
 */
export type TManifestEntry = { path: string; size: number; sha256: string };
export const MANIFEST_FILE = 'prunearena-manifest.json';

function bundlesRoot(): string {
  return path.join(env().dataDir, 'bundles');
}

export function bundlePath(hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a bundle hash: ${JSON.stringify(hash)}`);
  return path.join(bundlesRoot(), hash);
}

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) throw new Error(`${p}: symbolic links are not allowed in a model bundle`);
    if (entry.isDirectory()) out.push(...listFiles(p, base));
    else if (entry.isFile() && path.relative(base, p) !== MANIFEST_FILE) out.push(path.relative(base, p));
  }
  return out.sort();
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function bundleManifest(dir: string): Promise<{ hash: string; files: TManifestEntry[] }> {
  const files: TManifestEntry[] = [];
  for (const rel of listFiles(dir)) {
    const abs = path.join(dir, rel);
    files.push({ path: rel.split(path.sep).join('/'), size: fs.statSync(abs).size, sha256: await sha256File(abs) });
  }
  const hash = createHash('sha256').update(JSON.stringify(files)).digest('hex');
  return { hash, files };
}

/** Copies a bundle folder into the store; returns its hash and where it now lives. */
export async function storeBundle(srcDir: string): Promise<{ hash: string; dir: string; files: TManifestEntry[]; created: boolean }> {
  const { hash, files } = await bundleManifest(srcDir);
  const final = bundlePath(hash);
  if (fs.existsSync(final)) return { hash, dir: final, files, created: false };
  const tmp = path.join(bundlesRoot(), 'tmp', randomUUID());
  try {
    fs.mkdirSync(tmp, { recursive: true });
    for (const f of files) {
      const to = path.join(tmp, f.path);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(path.join(srcDir, f.path), to);
    }
    fs.writeFileSync(path.join(tmp, MANIFEST_FILE), JSON.stringify({ hash, files }, null, 2));
    try {
      fs.renameSync(tmp, final);
    } catch (err) {
      // another process stored the same bundle first
      if (!fs.existsSync(final)) throw err;
    }
    return { hash, dir: final, files, created: true };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
