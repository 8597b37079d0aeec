import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

let ready: Promise<void> | null = null;

/**
 * The folder holding the backend's .wasm binaries, inside the installed package: the backend
 * loads them from disk, so training needs no network.
 */
export function wasmBinaryFolder(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + path.sep + 'dist' + path.sep;
}

/**
 * Selects tfjs's WebAssembly backend (SIMD + XNNPACK), about 20x faster than its pure-JS CPU
 * backend here (docs STACK.md). Idempotent; every training entry point awaits it first.
 */
export function useWasmBackend(): Promise<void> {
  ready ??= (async () => {
    setWasmPaths(wasmBinaryFolder());
    if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not initialise');
    await tf.ready();
  })();
  return ready;
}
