import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { env } from '../env';
import { log } from '../log';

export type TProvider = 'cuda' | 'webgpu' | 'cpu';

export type TOpenedSession = { session: ort.InferenceSession; provider: TProvider };

/**
 * Opens an onnxruntime session on the first execution provider that works, in the order given
 * (ORT_PROVIDERS by default). onnxruntime does not fall back by itself when a GPU provider's
 * libraries are missing: it throws, so each provider is tried alone and the one that ran is
 * returned, to be recorded with every measurement.
 */
export async function openSession(
  source: string | Uint8Array,
  opts: { providers?: TProvider[]; threads?: number } = {},
): Promise<TOpenedSession> {
  const e = env();
  const providers = opts.providers ?? (e.ORT_PROVIDERS as TProvider[]);
  const threads = opts.threads ?? e.ORT_THREADS;
  const failures: string[] = [];
  for (const provider of providers) {
    const missing = missingProviderLibrary(provider);
    if (missing) {
      failures.push(`${provider}: ${missing}`);
      continue;
    }
    try {
      const options: ort.InferenceSession.SessionOptions = {
        executionProviders: [provider],
        // a missing GPU provider is expected here and handled: keep onnxruntime's own error log quiet
        ...(provider === 'cpu' ? {} : { logSeverityLevel: 4 as const }),
        ...(threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
      };
      const session = typeof source === 'string' ? await ort.InferenceSession.create(source, options) : await ort.InferenceSession.create(source, options);
      if (failures.length) log.info('execution provider fallback', { used: provider, skipped: failures });
      return { session, provider };
    } catch (err) {
      const message = (err as Error).message.split('\n')[0];
      // A model error is not a provider problem: report it, do not mask it behind a fallback.
      if (provider === 'cpu' || !isProviderUnavailable(message)) throw err;
      failures.push(`${provider}: ${message}`);
    }
  }
  throw new Error(`no execution provider could open the model (${failures.join('; ')})`);
}

/**
 * The CUDA provider is a separate library that onnxruntime-node's install script downloads (not
 * here, see README); without it, trying CUDA only makes onnxruntime log a loud error. WebGPU is
 * built in (Dawn over Vulkan) but is not worth asking for, and warns on stderr, on a machine with
 * no GPU device at all.
 */
function missingProviderLibrary(provider: TProvider): string | null {
  if (provider === 'webgpu') {
    const devices = ['/dev/nvidia0', '/dev/dri', '/dev/kfd'];
    return process.platform !== 'linux' || devices.some((d) => fs.existsSync(d)) ? null : `no GPU device (${devices.join(', ')})`;
  }
  if (provider !== 'cuda') return null;
  try {
    const root = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const lib = path.join(root, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so');
    return fs.existsSync(lib) ? null : 'the CUDA build of onnxruntime-node is not installed (see README)';
  } catch {
    return null;
  }
}

function isProviderUnavailable(message: string): boolean {
  return /provider|cuda|webgpu|vulkan|dawn|not (?:supported|available|found)|cannot open shared object|libcu|backend/i.test(message);
}

export const ORT_VERSION = ort.env.versions.node ?? 'unknown';
