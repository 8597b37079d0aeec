import path from 'node:path';
import type { ValueInfoProto } from 'onnx-buf';
import { dtypeName, rawByteLength } from './dtypes';
import { allTensors, type TOnnxModel } from './io';
import { elementCount, externalInfo, isExternal } from './tensor';

export type TValueInfo = { name: string; dtype: string; shape: (number | string | null)[] | null };

export type TInspection = {
  file: string;
  irVersion: number;
  producer: string;
  opsets: { domain: string; version: number }[];
  inputs: TValueInfo[];
  outputs: TValueInfo[];
  nodeCount: number;
  /** Operator counts, keyed "Op" for the default domain and "domain:Op" otherwise; most used first. */
  ops: Record<string, number>;
  /** Elements in initializers and constants, i.e. weights. */
  parameters: number;
  bytes: number;
  byDtype: Record<string, { tensors: number; parameters: number; bytes: number }>;
  externalDataFiles: string[];
};

export function valueInfo(v: ValueInfoProto): TValueInfo {
  const t = v.type?.value;
  if (v.type?.value.case !== 'tensorType' || !t) return { name: v.name, dtype: 'non-tensor', shape: null };
  const tensor = v.type.value.value;
  return {
    name: v.name,
    dtype: dtypeName(tensor.elemType),
    shape: tensor.shape
      ? tensor.shape.dim.map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : d.value.case === 'dimParam' ? d.value.value : null))
      : null,
  };
}

/** What a model takes and gives, what it is made of and how big its weights are. */
export function inspectModel(model: TOnnxModel): TInspection {
  const { proto } = model;
  const graph = proto.graph!;
  const ops = new Map<string, number>();
  const countOps = (nodes: typeof graph.node) => {
    for (const n of nodes) {
      const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.opType}` : n.opType;
      ops.set(key, (ops.get(key) ?? 0) + 1);
      for (const a of n.attribute) for (const g of [a.g, ...a.graphs]) if (g) countOps(g.node);
    }
  };
  countOps(graph.node);
  const byDtype: TInspection['byDtype'] = {};
  const external = new Set<string>();
  let parameters = 0;
  let bytes = 0;
  for (const t of allTensors(proto)) {
    const n = elementCount(t.dims);
    const b = rawByteLength(t.dataType, n) ?? t.rawData.length;
    const key = dtypeName(t.dataType);
    byDtype[key] ??= { tensors: 0, parameters: 0, bytes: 0 };
    byDtype[key].tensors++;
    byDtype[key].parameters += n;
    byDtype[key].bytes += b;
    parameters += n;
    bytes += b;
    if (isExternal(t)) external.add(externalInfo(t).location);
  }
  const initializerNames = new Set(graph.initializer.map((t) => t.name));
  return {
    file: model.file,
    irVersion: Number(proto.irVersion),
    producer: [proto.producerName, proto.producerVersion].filter(Boolean).join(' '),
    opsets: proto.opsetImport.map((o) => ({ domain: o.domain || 'ai.onnx', version: Number(o.version) })),
    // Older exporters list initializers among the inputs; they are weights, not inputs.
    inputs: graph.input.filter((i) => !initializerNames.has(i.name)).map(valueInfo),
    outputs: graph.output.map(valueInfo),
    nodeCount: graph.node.length,
    ops: Object.fromEntries([...ops.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    parameters,
    bytes,
    byDtype,
    externalDataFiles: [...external].map((f) => path.join(path.dirname(model.file), f)),
  };
}
