/**
 * Measures one denoiser in a process of its own, so its peak memory is its own:
 *   node --import tsx lib/inference/denoiser-probe.ts BUNDLE_DIR DENOISER.onnx STEPS THREADS PROVIDERS
 * prints one JSON line: per-step latencies, the provider that ran, peak RSS and RSS before loading.
 * `probeDenoiser` runs it from the parent.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { quantile } from '../stats/quantile';

export type TProbeResult = {
  provider: string;
  threads: number;
  stepsMs: number[];
  medianMs: number;
  p90Ms: number;
  rssBeforeBytes: number;
  peakRssBytes: number;
  /** Resident memory after the session is loaded and has run: what holding the model costs. */
  rssAfterRunBytes: number;
  loadMs: number;
};


/** Denoiser inputs shaped from the bundle's configs: one latent, the tokenizer's length of token states. */
export function denoiserFeeds(bundleDir: string): Record<string, ort.Tensor> {
  const cfg = JSON.parse(fs.readFileSync(path.join(bundleDir, 'transformer', 'config.json'), 'utf8'));
  let seq = 77;
  try {
    const tok = JSON.parse(fs.readFileSync(path.join(bundleDir, 'tokenizer', 'tokenizer.json'), 'utf8'));
    seq = tok.padding?.strategy?.Fixed ?? tok.truncation?.max_length ?? seq;
  } catch {
    // no tokenizer: CLIP's length
  }
  const fill = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + k));
  const { in_channels: c, sample_size: s, joint_attention_dim: dt, pooled_projection_dim: dp } = cfg;
  return {
    hidden_states: new ort.Tensor('float32', fill(c * s * s, 1), [1, c, s, s]),
    encoder_hidden_states: new ort.Tensor('float32', fill(seq * dt, 2), [1, seq, dt]),
    pooled_projections: new ort.Tensor('float32', fill(dp, 3), [1, dp]),
    timestep: new ort.Tensor('float32', Float32Array.from([500]), [1]),
  };
}

async function main(argv: string[]) {
  const [bundleDir, model, stepsArg, threadsArg, providersArg] = argv;
  const rssBeforeBytes = process.memoryUsage().rss;
  const { openSession } = await import('./session');
  const started = performance.now();
  const { session, provider } = await openSession(model, {
    threads: Number(threadsArg),
    providers: providersArg.split(',') as ('cuda' | 'webgpu' | 'cpu')[],
  });
  const loadMs = performance.now() - started;
  const feeds = denoiserFeeds(bundleDir);
  await session.run(feeds); // warm-up: first run allocates and plans
  const stepsMs: number[] = [];
  for (let i = 0; i < Number(stepsArg); i++) {
    const t0 = performance.now();
    await session.run(feeds);
    stepsMs.push(performance.now() - t0);
  }
  const rssAfterRunBytes = process.memoryUsage().rss;
  await session.release();
  const result: TProbeResult = {
    provider,
    threads: Number(threadsArg),
    stepsMs,
    medianMs: quantile(stepsMs, 0.5),
    p90Ms: quantile(stepsMs, 0.9),
    rssBeforeBytes,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    rssAfterRunBytes,
    loadMs,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** Runs the probe in a child process and returns what it measured. */
export function probeDenoiser(bundleDir: string, model: string, opts: { steps?: number; threads?: number; providers?: string[] } = {}): Promise<TProbeResult> {
  const self = fileURLToPath(import.meta.url);
  const args = ['--import', 'tsx', self, bundleDir, model, String(opts.steps ?? 10), String(opts.threads ?? 1), (opts.providers ?? ['cpu']).join(',')];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop();
      if (code === 0 && line) resolve(JSON.parse(line));
      else reject(new Error(`measuring ${model} failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
