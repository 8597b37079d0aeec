import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { env } from '../env';

/**
 * Content-addressed storage for models, images and reports. Blobs are named by the sha256 of
 * their bytes, so storing the same bytes twice is free and a name always means the same bytes.
 * FsArtifactStore keeps them under DATA_DIR/artifacts (a local disk or a shared filesystem);
 * an S3-compatible store implements the same interface.
 */
export interface TStoredArtifact {
  sha256: string;
  size: number;
  /** False when identical bytes were already stored. */
  created: boolean;
}

export interface ArtifactStore {
  put(bytes: Uint8Array): Promise<TStoredArtifact>;
  putStream(source: Readable | AsyncIterable<Uint8Array>): Promise<TStoredArtifact>;
  putFile(file: string): Promise<TStoredArtifact>;
  read(sha256: string): Promise<Buffer>;
  createReadStream(sha256: string, range?: { start: number; end: number }): Readable;
  stat(sha256: string): Promise<{ size: number } | null>;
  delete(sha256: string): Promise<void>;
  /** A local path to the blob, for libraries that open files by name (onnxruntime). */
  localPath(sha256: string): Promise<string>;
}

const SHA256 = /^[0-9a-f]{64}$/;

export class ArtifactNotFoundError extends Error {
  constructor(readonly sha256: string) {
    super(`artifact ${sha256} is not in the store`);
    this.name = 'ArtifactNotFoundError';
  }
}

export class FsArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  private blobPath(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256 digest: ${JSON.stringify(sha256)}`);
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(bytes: Uint8Array): Promise<TStoredArtifact> {
    return this.putStream(Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]));
  }

  async putFile(file: string): Promise<TStoredArtifact> {
    return this.putStream(fs.createReadStream(file));
  }

  /**
   * Streams into a temporary file in the store (same filesystem), hashing on the way, flushes it
   * to disk, then renames it into place: a reader never sees a half-written blob, and a crash
   * leaves only a temporary file behind.
   */
  async putStream(source: Readable | AsyncIterable<Uint8Array>): Promise<TStoredArtifact> {
    const tmpDir = path.join(this.root, 'tmp');
    await fsp.mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, hasher, fs.createWriteStream(tmp, { flags: 'wx' }));
      const handle = await fsp.open(tmp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
    const sha256 = hash.digest('hex');
    const final = this.blobPath(sha256);
    if (await exists(final)) {
      await fsp.rm(tmp, { force: true });
      return { sha256, size, created: false };
    }
    await fsp.mkdir(path.dirname(final), { recursive: true });
    await fsp.rename(tmp, final);
    return { sha256, size, created: true };
  }

  async read(sha256: string): Promise<Buffer> {
    try {
      return await fsp.readFile(this.blobPath(sha256));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ArtifactNotFoundError(sha256);
      throw err;
    }
  }

  createReadStream(sha256: string, range?: { start: number; end: number }): Readable {
    return fs.createReadStream(this.blobPath(sha256), range);
  }

  async stat(sha256: string): Promise<{ size: number } | null> {
    try {
      const s = await fsp.stat(this.blobPath(sha256));
      return { size: s.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(sha256: string): Promise<void> {
    await fsp.rm(this.blobPath(sha256), { force: true });
  }

  async localPath(sha256: string): Promise<string> {
    const p = this.blobPath(sha256);
    if (!(await exists(p))) throw new ArtifactNotFoundError(sha256);
    return p;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

let store: FsArtifactStore | undefined;

/** The store under the configured DATA_DIR (a new one when the configuration changed, as between test databases). */
export function artifactStore(): ArtifactStore {
  const root = path.join(env().dataDir, 'artifacts');
  if (store?.root !== root) store = new FsArtifactStore(root);
  return store;
}
