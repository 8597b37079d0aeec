import { describe, expect, it } from 'vitest';
import { clipStatesOutput, joinSd3Embeddings } from './sd3';

const arr = (dims: number[], start: number) => ({ data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => start + i), dims });

describe('SD3 text conditioning', () => {
  it('joins CLIP-L and CLIP-G on the feature axis, zero-pads to T5 width, then appends T5 on the sequence axis', () => {
    // batch 2, CLIP length 2, widths 2 + 3 → padded to T5's 6; T5 length 1
    const l = arr([2, 2, 2], 100);
    const g = arr([2, 2, 3], 200);
    const t5 = arr([2, 1, 6], 300);
    const pooledL = arr([2, 2], 10);
    const pooledG = arr([2, 1], 20);
    const { states, pooled } = joinSd3Embeddings([l, g], [pooledL, pooledG], t5);
    expect(states.dims).toEqual([2, 3, 6]);
    const row = (b: number, s: number) => [...states.data.subarray((b * 3 + s) * 6, (b * 3 + s + 1) * 6)];
    expect(row(0, 0)).toEqual([100, 101, 200, 201, 202, 0]);
    expect(row(0, 1)).toEqual([102, 103, 203, 204, 205, 0]);
    expect(row(0, 2)).toEqual([300, 301, 302, 303, 304, 305]);
    expect(row(1, 0)).toEqual([104, 105, 206, 207, 208, 0]);
    expect(row(1, 2)).toEqual([306, 307, 308, 309, 310, 311]);
    expect(pooled.dims).toEqual([2, 3]);
    expect([...pooled.data]).toEqual([10, 11, 20, 12, 13, 21]);
  });

  it('refuses CLIP states wider than T5 and batches that do not match', () => {
    expect(() => joinSd3Embeddings([arr([1, 2, 4], 0), arr([1, 2, 4], 0)], [arr([1, 1], 0), arr([1, 1], 0)], arr([1, 3, 6], 0))).toThrow(/wider than T5/);
    expect(() => joinSd3Embeddings([arr([1, 2, 2], 0), arr([2, 2, 2], 0)], [arr([1, 1], 0), arr([1, 1], 0)], arr([1, 3, 6], 0))).toThrow(/cannot join/);
  });

  it('reads the penultimate hidden state when the export has them, else last_hidden_state', () => {
    const names = ['text_embeds', 'last_hidden_state', ...Array.from({ length: 13 }, (_, i) => `hidden_states.${i}`)];
    expect(clipStatesOutput(names)).toEqual({ name: 'hidden_states.11', penultimate: true });
    // numeric order, not string order (hidden_states.9 < hidden_states.10)
    expect(clipStatesOutput(['hidden_states.10', 'hidden_states.9', 'hidden_states.2']).name).toBe('hidden_states.9');
    expect(clipStatesOutput(['text_embeds', 'last_hidden_state'])).toEqual({ name: 'last_hidden_state', penultimate: false });
  });
});
