import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvForTests } from '../env';
import { writeFixtureBundle } from '../fixtures/bundle';
import { listModelViews } from '../models/service';
import { createUser } from '../users/service';
import { createTestDatabase, testProviders, type TTestDatabase } from '../testing/databases';
import { makeZip } from '../testing/zip';
import { CHUNK_BYTES, completeUpload, createUpload, uploadStatus, writeChunk } from './service';

/** Sends a file as an upload, chunk by chunk, optionally skipping some chunks. */
function send(file: string, owner: string, skip: number[] = []) {
  const bytes = fs.readFileSync(file);
  const u = createUpload({ filename: path.basename(file), size: bytes.length }, owner);
  for (let i = 0; i < u.chunks; i++) if (!skip.includes(i)) writeChunk(u.id, owner, i, bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
  return u;
}

describe.each(testProviders())('model uploads on %s', (provider) => {
  let database: TTestDatabase;
  let bundle: string;
  let owner = '';
  const traces = () => ({
    uploads: fs.existsSync(path.join(database.dataDir, 'uploads')) ? fs.readdirSync(path.join(database.dataDir, 'uploads')).length : 0,
    unpack: fs.existsSync(path.join(database.dataDir, 'tmp', 'unpack')) ? fs.readdirSync(path.join(database.dataDir, 'tmp', 'unpack')).length : 0,
  });

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    owner = (await createUser({ email: `uploader-${provider}@example.org`, password: 'uploader password' })).id;
    bundle = path.join(database.dataDir, 'src', 'my-model');
    writeFixtureBundle(bundle, { blocks: 2, seed: 9 });
  });
  afterAll(async () => database?.drop());

  it('registers a .tar.gz sent in chunks, resuming after missing chunks', async () => {
    const archive = path.join(database.dataDir, 'my-model.tar.gz');
    await tar.c({ gzip: true, file: archive, cwd: path.dirname(bundle) }, ['my-model']);
    const u = send(archive, owner, [0]);
    expect(uploadStatus(u.id, owner).received).not.toContain(0);
    await expect(completeUpload(u.id, owner, { name: 'from-tar' })).rejects.toThrow(/Chunks 0 have not arrived yet/);
    writeChunk(u.id, owner, 0, fs.readFileSync(archive).subarray(0, CHUNK_BYTES));
    const model = await completeUpload(u.id, owner, { name: 'from-tar', license: 'apache-2.0' });
    expect(model).toMatchObject({ name: 'from-tar', license: 'apache-2.0' });
    expect(model.variants[0].structure?.stacks[0].blocks).toHaveLength(2);
    expect(traces()).toEqual({ uploads: 0, unpack: 0 });
  });

  it('keeps an upload whose name is taken, so it can be finished under another name', async () => {
    const archive = path.join(database.dataDir, 'again.tar.gz');
    const copy = path.join(database.dataDir, 'src2', 'again');
    writeFixtureBundle(copy, { blocks: 2, seed: 10 });
    await tar.c({ gzip: true, file: archive, cwd: path.dirname(copy) }, ['again']);
    const u = send(archive, owner);
    await expect(completeUpload(u.id, owner, { name: 'from-tar' })).rejects.toThrow(/exists already: choose another name.*the upload is kept/);
    expect(uploadStatus(u.id, owner).received).toHaveLength(u.chunks);
    expect((await completeUpload(u.id, owner, { name: 'renamed' })).name).toBe('renamed');
    expect(traces()).toEqual({ uploads: 0, unpack: 0 });
  });

  it('rejects path traversal, links, broken archives and wrong layouts, leaving no trace', async () => {
    const cases: [string, Buffer, RegExp][] = [
      ['evil.zip', makeZip([{ name: 'model_index.json', data: Buffer.from('{}') }, { name: '../../escaped.txt', data: Buffer.from('x') }]), /points outside the archive's folder/],
      ['abs.zip', makeZip([{ name: '/etc/cron.d/x', data: Buffer.from('x') }]), /absolute path/],
      ['link.zip', makeZip([{ name: 'transformer/model.onnx', data: Buffer.from('/etc/passwd'), symlink: true }]), /symbolic link/],
      ['random.zip', Buffer.from('PK\u0003\u0004 this is not really a zip file at all, just bytes'), /damaged/],
      ['layout.zip', makeZip([{ name: 'readme.txt', data: Buffer.from('hello') }]), /model_index.json is missing[\s\S]*transformer\/model.onnx \(the denoiser\) is missing/],
    ];
    for (const [name, bytes, problem] of cases) {
      const file = path.join(database.dataDir, name);
      fs.writeFileSync(file, bytes);
      const u = send(file, owner);
      await expect(completeUpload(u.id, owner, { name }), name).rejects.toThrow(problem);
      expect(traces(), name).toEqual({ uploads: 0, unpack: 0 });
    }
    expect(fs.existsSync(path.join(database.dataDir, 'escaped.txt'))).toBe(false);
    expect((await listModelViews()).map((m) => m.name).sort()).toEqual(['from-tar', 'renamed']);
  });

  it('refuses wrong chunk sizes, other people\'s uploads, non-archives and oversize files', () => {
    const u = createUpload({ filename: 'x.zip', size: CHUNK_BYTES + 10 }, owner);
    expect(() => writeChunk(u.id, owner, 0, new Uint8Array(5))).toThrow(/must be 8388608 bytes/);
    expect(() => writeChunk(u.id, owner, 2, new Uint8Array(10))).toThrow(/out of range/);
    expect(() => uploadStatus(u.id, 'someone-else')).toThrow(/No such upload/);
    expect(() => createUpload({ filename: 'model.exe', size: 10 }, owner)).toThrow(/zip, .tar or .tar.gz/);
    process.env.UPLOAD_MAX_BYTES = '2048';
    resetEnvForTests();
    try {
      expect(() => createUpload({ filename: 'big.zip', size: 4096 }, owner)).toThrow(/limit is 2048/);
    } finally {
      delete process.env.UPLOAD_MAX_BYTES;
      resetEnvForTests();
    }
  });
});
