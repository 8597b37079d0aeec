import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tf, useWasmBackend, wasmBinaryFolder } from './backend';

describe('tfjs wasm backend', () => {
  it('loads its binaries from the installed package and computes', async () => {
    expect(fs.existsSync(wasmBinaryFolder() + 'tfjs-backend-wasm-simd.wasm')).toBe(true);
    await useWasmBackend();
    expect(tf.getBackend()).toBe('wasm');
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(await y.data())).toEqual([11]);
    y.dispose();
  });
});
