import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { env } from '../env';
import { AppError } from '../errors';
import { modelNameTaken } from '../models/repository';
import { registerArchive, type TModelView } from '../models/service';

/**
 * Resumable uploads of model archives: the browser sends fixed-size chunks (each written to its
 * own file atomically), can ask which chunks arrived, and finishes with the model's details. On
 * completion the chunks are joined, unpacked, checked and registered; whatever the outcome the
 * upload's files are removed, so a failed upload leaves no trace.
 */
export const CHUNK_BYTES = 8 * 2 ** 20;

export const ZCreateUploadSchema = z.object({
  filename: z.string().trim().min(1).max(255).regex(/\.(zip|tar|tar\.gz|tgz)$/i, 'must be a .zip, .tar or .tar.gz file'),
  size: z.number().int().positive(),
});

export const ZCompleteUploadSchema = z.object({
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(2000).optional(),
  license: z.string().trim().max(100).optional(),
});

type TMeta = { id: string; owner: string; filename: string; size: number; chunks: number; createdAt: string };

const root = () => path.join(env().dataDir, 'uploads');

function dirOf(id: string): string {
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new AppError('NOT_FOUND', 'No such upload.');
  return path.join(root(), id);
}

function readMeta(id: string, owner: string): TMeta {
  let meta: TMeta;
  try {
    meta = JSON.parse(fs.readFileSync(path.join(dirOf(id), 'meta.json'), 'utf8'));
  } catch {
    throw new AppError('NOT_FOUND', 'No such upload (it may have finished or been cancelled).');
  }
  if (meta.owner !== owner) throw new AppError('NOT_FOUND', 'No such upload.');
  return meta;
}

export function createUpload(input: z.input<typeof ZCreateUploadSchema>, owner: string) {
  const o = ZCreateUploadSchema.parse(input);
  if (o.size > env().UPLOAD_MAX_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', `The file is ${o.size} bytes; the limit is ${env().UPLOAD_MAX_BYTES} (UPLOAD_MAX_BYTES).`);
  const id = randomUUID();
  const meta: TMeta = { id, owner, filename: o.filename, size: o.size, chunks: Math.ceil(o.size / CHUNK_BYTES), createdAt: new Date().toISOString() };
  fs.mkdirSync(dirOf(id), { recursive: true });
  fs.writeFileSync(path.join(dirOf(id), 'meta.json'), JSON.stringify(meta));
  return { id, chunkBytes: CHUNK_BYTES, chunks: meta.chunks };
}

export function uploadStatus(id: string, owner: string) {
  const meta = readMeta(id, owner);
  const received = fs.readdirSync(dirOf(id)).filter((f) => /^part-\d+$/.test(f)).map((f) => Number(f.slice(5))).sort((a, b) => a - b);
  return { id, filename: meta.filename, size: meta.size, chunkBytes: CHUNK_BYTES, chunks: meta.chunks, received };
}

export function writeChunk(id: string, owner: string, index: number, bytes: Uint8Array) {
  const meta = readMeta(id, owner);
  if (!Number.isInteger(index) || index < 0 || index >= meta.chunks) throw new AppError('BAD_REQUEST', `Chunk ${index} is out of range (0-${meta.chunks - 1}).`);
  const expected = index === meta.chunks - 1 ? meta.size - index * CHUNK_BYTES : CHUNK_BYTES;
  if (bytes.length !== expected) throw new AppError('BAD_REQUEST', `Chunk ${index} must be ${expected} bytes (got ${bytes.length}).`);
  const final = path.join(dirOf(id), `part-${index}`);
  const tmp = `${final}.${randomUUID()}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, final);
  return { index, received: true };
}

export function cancelUpload(id: string, owner: string) {
  readMeta(id, owner);
  fs.rmSync(dirOf(id), { recursive: true, force: true });
}

export async function completeUpload(id: string, owner: string, details: z.input<typeof ZCompleteUploadSchema>): Promise<TModelView> {
  const d = ZCompleteUploadSchema.parse(details);
  const status = uploadStatus(id, owner);
  const missing = Array.from({ length: status.chunks }, (_, i) => i).filter((i) => !status.received.includes(i));
  if (missing.length) throw new AppError('CONFLICT', `Chunks ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? '…' : ''} have not arrived yet; send them and complete again.`);
  // A taken name is fixed by choosing another: keep the upload rather than make them send it again.
  if (await modelNameTaken(d.name)) throw new AppError('CONFLICT', `A model named "${d.name}" exists already: choose another name and finish again (the upload is kept).`);
  const dir = dirOf(id);
  const archive = path.join(dir, status.filename.replace(/[^\w.-]/g, '_'));
  try {
    const out = fs.openSync(archive, 'w');
    try {
      for (let i = 0; i < status.chunks; i++) fs.writeSync(out, fs.readFileSync(path.join(dir, `part-${i}`)));
    } finally {
      fs.closeSync(out);
    }
    if (fs.statSync(archive).size !== status.size) throw new AppError('UNPROCESSABLE', 'The joined file does not have the size announced; upload it again.');
    return await registerArchive({ file: archive, name: d.name, description: d.description, license: d.license, createdById: owner });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
