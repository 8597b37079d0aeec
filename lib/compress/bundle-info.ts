import fs from 'node:fs';
import path from 'node:path';
import type { ModelProto } from 'onnx-buf';
import { inspectModel } from '../onnx/inspect';
import { readModel } from '../onnx/io';
import { countWeightParams } from './discovery';

/**
 * The `prunearena` section PruneArena writes into a bundle's model_index.json (fixture or not,
 * the world a model was trained on, its training steps...), or {} when there is none or the file
 * does not parse.
 */
export function prunearenaIndex(bundleDir: string): Record<string, unknown> {
  try {
    const index = JSON.parse(fs.readFileSync(path.join(bundleDir, 'model_index.json'), 'utf8')) as { prunearena?: unknown };
    return index.prunearena && typeof index.prunearena === 'object' ? (index.prunearena as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export type TSizes = { params: number; bytesOnDisk: number; weightBytes: number };

function dirSize(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? dirSize(p) : fs.statSync(p).size;
  }
  return total;
}

/** Per component folder with a model.onnx: logical parameters, weight bytes, bytes on disk. */
export function componentSizes(bundleDir: string): Record<string, TSizes> {
  const out: Record<string, TSizes> = {};
  for (const entry of fs.readdirSync(bundleDir, { withFileTypes: true })) {
    const file = path.join(bundleDir, entry.name, 'model.onnx');
    if (!entry.isDirectory() || !fs.existsSync(file)) continue;
    const model = readModel(file, { loadExternalData: false });
    out[entry.name] = { params: logicalParams(model.proto), bytesOnDisk: dirSize(path.join(bundleDir, entry.name)), weightBytes: inspectModel(model).bytes };
  }
  return out;
}

/** Parameters as the model means them: a MatMulNBits weight counts K x N, not its packed bytes and scales. */
export function logicalParams(model: ModelProto): number {
  const graph = model.graph!;
  const packed = new Set<string>();
  let quantized = 0;
  for (const n of graph.node) {
    if (n.opType !== 'MatMulNBits') continue;
    const attr = (name: string) => Number(n.attribute.find((a) => a.name === name)?.i ?? 0);
    quantized += attr('K') * attr('N');
    n.input.slice(1, 4).forEach((x) => packed.add(x));
  }
  const rest = { ...graph, initializer: graph.initializer.filter((t) => !packed.has(t.name)) };
  return quantized + countWeightParams(rest as typeof graph);
}

export const sumSizes = (xs: TSizes[]): TSizes => ({
  params: xs.reduce((s, x) => s + x.params, 0),
  bytesOnDisk: xs.reduce((s, x) => s + x.bytesOnDisk, 0),
  weightBytes: xs.reduce((s, x) => s + x.weightBytes, 0),
});

