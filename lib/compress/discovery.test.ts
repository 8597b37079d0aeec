import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureBundle } from '../fixtures/bundle';
import { Rng } from '../fixtures/random';
import { linear } from '../fixtures/layers';
import { DataType, GraphBuilder } from '../onnx/builder';
import { readModel } from '../onnx/io';
import { discoverBlocks, parseScope } from './discovery';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-discovery-'));
  writeFixtureBundle(dir, { blocks: 12 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const denoiser = () => readModel(path.join(dir, 'transformer', 'model.onnx')).proto;

describe('parseScope', () => {
  it('reads torch.onnx node and weight names', () => {
    expect(parseScope('/transformer_blocks.3/attn/to_q/MatMul')).toEqual({ stack: 'transformer_blocks', index: 3, component: 'attn' });
    expect(parseScope('/transformer/transformer_blocks.12/ff_context/net.0/proj/MatMul')).toEqual({ stack: 'transformer_blocks', index: 12, component: 'ff_context' });
    expect(parseScope('/transformer_blocks.0/Add_1')).toEqual({ stack: 'transformer_blocks', index: 0, component: null });
    expect(parseScope('single_transformer_blocks.7.proj_mlp.weight')).toEqual({ stack: 'single_transformer_blocks', index: 7, component: 'proj_mlp' });
    expect(parseScope('/pos_embed/proj/Conv')).toBeNull();
  });
});

describe('discoverBlocks', () => {
  it('finds every block of the fixture and its SD3 components, with parameters', () => {
    const d = discoverBlocks(denoiser());
    expect(d.method).toBe('scopes');
    expect(d.stacks.map((s) => s.name)).toEqual(['transformer_blocks']);
    const blocks = d.stacks[0].blocks;
    expect(blocks.map((b) => b.index)).toEqual([...Array(12).keys()]);
    expect(blocks[0].components.map((c) => c.name).sort()).toEqual(['attn', 'ff', 'ff_context', 'norm1', 'norm1_context']);
    // hidden 64: attention = 6 projections + 2 outputs of 64x64 (+bias); MLP = 64->256->64; AdaLN = 64->384
    const byName = Object.fromEntries(blocks[0].components.map((c) => [c.name, c.params]));
    expect(byName).toEqual({ norm1: 64 * 384 + 384, norm1_context: 64 * 384 + 384, attn: 8 * (64 * 64 + 64), ff: 64 * 256 + 256 + 256 * 64 + 64, ff_context: 64 * 256 + 256 + 256 * 64 + 64 });
    expect(blocks[0].params).toBe(Object.values(byName).reduce((a, b) => a + b, 0));
    // the last block is context pre-only: no ff_context, a 2-chunk context modulation, no context output
    const last = Object.fromEntries(blocks[11].components.map((c) => [c.name, c.params]));
    expect(last.ff_context).toBeUndefined();
    expect(last.norm1_context).toBe(64 * 128 + 128);
    expect(last.attn).toBe(7 * (64 * 64 + 64));
    expect(d.otherParams).toBeGreaterThan(0);
    expect(d.totalParams).toBe(d.otherParams + blocks.reduce((s, b) => s + b.params, 0));
  });

  it('finds FLUX-style double- and single-stream stacks in forward order', () => {
    const g = new GraphBuilder('flux');
    const rng = new Rng(1);
    let x = g.input('x', DataType.FLOAT, [1, 4, 8]);
    for (let i = 0; i < 2; i++) x = g.scope(`transformer_blocks.${i}`, () => linear(g, rng, 'ff', linear(g, rng, 'attn', x, 8, 8), 8, 8));
    for (let i = 0; i < 3; i++) x = g.scope(`single_transformer_blocks.${i}`, () => linear(g, rng, 'proj_out', linear(g, rng, 'proj_mlp', x, 8, 8), 8, 8));
    g.output(x, DataType.FLOAT);
    const d = discoverBlocks(g.model());
    expect(d.stacks.map((s) => [s.name, s.blocks.length])).toEqual([['transformer_blocks', 2], ['single_transformer_blocks', 3]]);
    expect(d.stacks[1].blocks[0].components.map((c) => c.name)).toEqual(['proj_mlp', 'proj_out']);
  });

  it('attributes opaque weight names (onnx::MatMul_N, as torch.onnx writes them) by the scope of the node using them', () => {
    const model = denoiser();
    const graph = model.graph!;
    const rename = new Map<string, string>();
    graph.initializer.forEach((t, i) => {
      if (!t.name.endsWith('.weight')) return;
      rename.set(t.name, `onnx::MatMul_${1000 + i}`);
      t.name = `onnx::MatMul_${1000 + i}`;
    });
    for (const n of graph.node) n.input = n.input.map((x) => rename.get(x) ?? x);
    const d = discoverBlocks(model);
    expect(d.method).toBe('scopes');
    const reference = discoverBlocks(denoiser());
    expect(d.stacks[0].blocks.map((b) => b.params)).toEqual(reference.stacks[0].blocks.map((b) => b.params));
    expect(d.stacks[0].blocks[3].components).toEqual(reference.stacks[0].blocks[3].components.map((c) => ({ ...c, weights: c.weights.map((w) => rename.get(w) ?? w) })));
  });

  it('falls back to structure when names carry no scopes', () => {
    const model = denoiser();
    const graph = model.graph!;
    const rename = new Map<string, string>();
    graph.initializer.forEach((t, i) => {
      if (t.name.startsWith('onnx::')) return;
      rename.set(t.name, `onnx::MatMul_${i}`);
      t.name = `onnx::MatMul_${i}`;
    });
    for (const n of graph.node) {
      n.name = '';
      n.input = n.input.map((x) => rename.get(x) ?? x);
    }
    const d = discoverBlocks(model);
    expect(d.method).toBe('structure');
    // the 11 identical joint blocks repeat; the context-pre-only last block differs in shape
    expect(d.stacks[0].blocks.length).toBe(11);
    expect(d.stacks[0].blocks[0].params).toBe(discoverBlocks(denoiser()).stacks[0].blocks[0].params);
  });
});
