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
    try {
      const options: ort.InferenceSession.SessionOptions = {
        executionProviders: [provider],
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

function isProviderUnavailable(message: string): boolean {
  return /provider|cuda|webgpu|vulkan|dawn|not (?:supported|available|found)|cannot open shared object|libcu|backend/i.test(message);
}

export const ORT_VERSION = ort.env.versions.node ?? 'unknown';
