import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import yauzl from 'yauzl';

/**
 * Unpacks an uploaded model bundle (.zip, .tar, .tar.gz) into an empty folder. Every entry is
 * checked before anything is written: no absolute paths, no `..`, no links, no devices, at most
 * `maxEntries` entries and `maxBytes` unpacked (counted as bytes are written, so a zip that lies
 * about its sizes is caught too). Any problem throws an ArchiveError naming the entry.
 */
export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveError';
  }
}

export type TArchiveLimits = { maxBytes: number; maxEntries?: number };

function safeRelative(name: string): string {
  const unified = name.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[a-zA-Z]:/.test(unified)) throw new ArchiveError(`entry "${name}" has an absolute path`);
  const parts = unified.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new ArchiveError(`entry "${name}" points outside the archive's folder (..)`);
  return parts.join('/');
}

export async function detectArchive(file: string): Promise<'zip' | 'tar' | 'tar.gz' | null> {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const n = fs.readSync(fd, head, 0, 512, 0);
    if (n >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'zip';
    if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
    if (n >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

export async function extractArchive(file: string, dest: string, limits: TArchiveLimits): Promise<void> {
  const kind = await detectArchive(file);
  if (!kind) throw new ArchiveError('not a .zip, .tar or .tar.gz archive');
  fs.mkdirSync(dest, { recursive: true });
  if (kind === 'zip') await extractZip(file, dest, limits);
  else await extractTar(file, dest, limits);
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true, strictFileNames: false, validateEntrySizes: true }, (err, zip) => (err ? reject(new ArchiveError(`the zip file is damaged (${err.message})`)) : resolve(zip!))),
  );
}

async function extractZip(file: string, dest: string, limits: TArchiveLimits): Promise<void> {
  const zip = await openZip(file);
  let entries = 0;
  let written = 0;
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => {
      zip.close();
      if (err instanceof ArchiveError) return reject(err);
      const message = (err as Error).message;
      // yauzl refuses unsafe names itself: say what it means
      if (/invalid relative path/i.test(message)) return reject(new ArchiveError(`an entry points outside the archive's folder (${message})`));
      if (/absolute path/i.test(message)) return reject(new ArchiveError(`an entry has an absolute path (${message})`));
      reject(new ArchiveError(`the zip file is damaged (${message})`));
    };
    zip.on('error', fail);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      try {
        if (++entries > (limits.maxEntries ?? 10_000)) throw new ArchiveError(`more than ${limits.maxEntries ?? 10_000} entries`);
        const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
        if (mode === 0o120000) throw new ArchiveError(`entry "${entry.fileName}" is a symbolic link`);
        const rel = safeRelative(entry.fileName);
        if (entry.fileName.endsWith('/') || rel === '') {
          if (rel) fs.mkdirSync(path.join(dest, rel), { recursive: true });
          zip.readEntry();
          return;
        }
        if (written + entry.uncompressedSize > limits.maxBytes) throw new ArchiveError(`unpacks to more than ${limits.maxBytes} bytes`);
        const target = path.join(dest, rel);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return fail(err ?? new Error('no stream'));
          stream.on('data', (chunk: Buffer) => {
            written += chunk.length;
            if (written > limits.maxBytes) stream.destroy(new ArchiveError(`unpacks to more than ${limits.maxBytes} bytes`));
          });
          pipeline(stream, fs.createWriteStream(target, { flags: 'wx' })).then(() => zip.readEntry(), fail);
        });
      } catch (err) {
        fail(err);
      }
    });
    zip.readEntry();
  });
}

async function extractTar(file: string, dest: string, limits: TArchiveLimits): Promise<void> {
  // First pass: check every entry; nothing is written unless all are acceptable.
  let entries = 0;
  let total = 0;
  let problem: ArchiveError | null = null;
  try {
    await tar.t({
      file,
      strict: true,
      onReadEntry: (entry) => {
        if (problem) return;
        try {
          if (++entries > (limits.maxEntries ?? 10_000)) throw new ArchiveError(`more than ${limits.maxEntries ?? 10_000} entries`);
          if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'Directory' && entry.type !== 'ContiguousFile') {
            throw new ArchiveError(`entry "${entry.path}" is a ${entry.type}, not a file or folder`);
          }
          safeRelative(entry.path);
          total += entry.size ?? 0;
          if (total > limits.maxBytes) throw new ArchiveError(`unpacks to more than ${limits.maxBytes} bytes`);
        } catch (err) {
          problem = err as ArchiveError;
        }
      },
    });
  } catch (err) {
    throw new ArchiveError(`the tar file is damaged (${(err as Error).message})`);
  }
  if (problem) throw problem;
  await tar.x({ file, cwd: dest, strict: true, preservePaths: false, noChmod: true });
}

/** Archives often wrap the bundle in one top folder: find the folder that holds model_index.json. */
export function bundleRoot(dir: string): string {
  if (fs.existsSync(path.join(dir, 'model_index.json'))) return dir;
  const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.') && e.name !== '__MACOSX');
  if (entries.length === 1 && entries[0].isDirectory()) return bundleRoot(path.join(dir, entries[0].name));
  return dir;
}
