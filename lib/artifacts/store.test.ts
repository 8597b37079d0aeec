import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactNotFoundError, FsArtifactStore } from './store';

let root: string;
let store: FsArtifactStore;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-store-'));
  store = new FsArtifactStore(root);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('FsArtifactStore', () => {
  it('names blobs by their sha256 and reads them back', async () => {
    const bytes = Buffer.from('a model, an image or a report');
    const put = await store.put(bytes);
    expect(put).toEqual({ sha256: sha(bytes), size: bytes.length, created: true });
    expect(await store.read(put.sha256)).toEqual(bytes);
    expect(await store.stat(put.sha256)).toEqual({ size: bytes.length });
    expect(fs.existsSync(await store.localPath(put.sha256))).toBe(true);
  });

  it('stores identical bytes once', async () => {
    const bytes = Buffer.alloc(10_000, 7);
    const first = await store.put(bytes);
    const second = await store.putStream(Readable.from([bytes.subarray(0, 3000), bytes.subarray(3000)]));
    expect(second.sha256).toBe(first.sha256);
    expect(second.created).toBe(false);
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it('leaves nothing behind when the source fails mid-stream', async () => {
    async function* broken() {
      yield Buffer.from('half of a file');
      throw new Error('connection reset');
    }
    await expect(store.putStream(broken())).rejects.toThrow('connection reset');
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
    expect(fs.readdirSync(root)).toEqual(['tmp']);
  });

  it('reports missing blobs and refuses names that are not digests', async () => {
    await expect(store.read('0'.repeat(64))).rejects.toBeInstanceOf(ArtifactNotFoundError);
    expect(await store.stat('0'.repeat(64))).toBeNull();
    await expect(store.read('../../etc/passwd')).rejects.toThrow(/not a sha256 digest/);
  });

  it('deletes', async () => {
    const put = await store.put(Buffer.from('x'));
    await store.delete(put.sha256);
    expect(await store.stat(put.sha256)).toBeNull();
  });
});

describe('artifactStore()', () => {
  it('follows DATA_DIR when the configuration changes (one process, several test databases)', async () => {
    const { artifactStore } = await import('./store');
    const { resetEnvForTests } = await import('../env');
    const before = process.env.DATA_DIR;
    try {
      const a = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-store-a-'));
      const b = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-store-b-'));
      process.env.DATA_DIR = a;
      resetEnvForTests();
      const first = artifactStore() as FsArtifactStore;
      expect(first.root).toBe(path.join(a, 'artifacts'));
      expect(artifactStore()).toBe(first);
      process.env.DATA_DIR = b;
      resetEnvForTests();
      expect((artifactStore() as FsArtifactStore).root).toBe(path.join(b, 'artifacts'));
      fs.rmSync(a, { recursive: true, force: true });
      fs.rmSync(b, { recursive: true, force: true });
    } finally {
      if (before === undefined) delete process.env.DATA_DIR;
      else process.env.DATA_DIR = before;
      resetEnvForTests();
    }
  });
});
