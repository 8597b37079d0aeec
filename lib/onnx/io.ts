import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  type GraphProto,
  type ModelProto,
  ModelProtoSchema,
  StringStringEntryProtoSchema,
  type TensorProto,
  TensorProto_DataLocation,
} from 'onnx-buf';
import { DataType, dtypeInfo, dtypeName, rawByteLength } from './dtypes';
import { OnnxFormatError } from './errors';
import { elementCount, externalInfo, isExternal } from './tensor';

/** Protobuf messages cannot exceed 2 GiB: larger models keep their weights in external data. */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;
const EXTERNAL_MIN_BYTES = 1024;
const EXTERNAL_ALIGN = 4096;
/** The highest ONNX IR version this toolkit understands (ONNX 1.20 writes 12). */
const MAX_IR_VERSION = 13;

export type TOnnxModel = {
  /** Absolute path of the .onnx file. */
  file: string;
  proto: ModelProto;
};

export type TReadOptions = {
  /** Load external tensor data into memory (needed to rewrite or run weights); default true. */
  loadExternalData?: boolean;
};

/**
 * Reads and checks an ONNX model. Anything that is not a well-formed model (missing, empty,
 * truncated, random bytes, tensors whose data does not match their shape, external data that is
 * missing or points outside the model's folder) throws an OnnxFormatError naming the file and
 * the problem. Decoding is linear in the file size, so a hostile file cannot make it hang.
 */
export function readModel(file: string, opts: TReadOptions = {}): TOnnxModel {
  const abs = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new OnnxFormatError(abs, 'no such file');
  }
  if (stat.isDirectory()) throw new OnnxFormatError(abs, 'is a folder, not an .onnx file');
  if (stat.size === 0) throw new OnnxFormatError(abs, 'the file is empty');
  if (stat.size > PROTOBUF_LIMIT) {
    throw new OnnxFormatError(abs, `the file is ${formatBytes(stat.size)}, over protobuf's 2 GiB limit: a valid ONNX model this large keeps its weights in external data files`);
  }
  return parseModel(fs.readFileSync(abs), abs, opts);
}

/** Decodes and checks model bytes; `file` names the model in errors and anchors external data. */
export function parseModel(bytes: Uint8Array, file: string, opts: TReadOptions = {}): TOnnxModel {
  let proto: ModelProto;
  try {
    proto = fromBinary(ModelProtoSchema, bytes, { readUnknownFields: false });
  } catch (err) {
    throw new OnnxFormatError(file, `not an ONNX model (protobuf decoding failed: ${(err as Error).message}); the file may be truncated or of another format`);
  }
  validateModel(proto, file);
  const model = { file, proto };
  if (opts.loadExternalData !== false) loadExternalData(model);
  return model;
}

function validateModel(proto: ModelProto, file: string): void {
  const fail = (problem: string): never => {
    throw new OnnxFormatError(file, problem);
  };
  const ir = Number(proto.irVersion);
  if (!proto.graph) fail('not an ONNX model: it has no graph (wrong file type, or truncated)');
  if (!(ir >= 1 && ir <= MAX_IR_VERSION)) fail(`not an ONNX model: IR version ${ir} is not one this tool knows (1-${MAX_IR_VERSION})`);
  if (proto.opsetImport.length === 0) fail('the model declares no operator set (opset_import is empty)');
  for (const op of proto.opsetImport) {
    const v = Number(op.version);
    if (!(v >= 1 && v < 1000)) fail(`operator set "${op.domain || 'ai.onnx'}" has an invalid version ${op.version}`);
  }
  validateGraph(proto.graph!, file, new Set(), fail);
}

function validateGraph(graph: GraphProto, file: string, outer: Set<string>, fail: (p: string) => never): void {
  const known = new Set(outer);
  for (const t of graph.initializer) {
    validateTensor(t, file, fail);
    known.add(t.name);
  }
  for (const v of graph.input) known.add(v.name);
  for (const node of graph.node) {
    const label = node.name ? `node "${node.name}" (${node.opType})` : `a ${node.opType || 'nameless'} node`;
    if (!node.opType) fail(`${label} has no operator type`);
    for (const input of node.input) {
      if (input !== '' && !known.has(input)) fail(`${label} reads "${input}", which no input, initializer or earlier node provides (nodes out of order, or the graph is cut)`);
    }
    for (const attr of node.attribute) {
      if (attr.t) validateTensor(attr.t, file, fail);
      for (const g of [attr.g, ...attr.graphs]) if (g) validateGraph(g, file, known, fail);
    }
    for (const output of node.output) if (output !== '') known.add(output);
  }
  for (const out of graph.output) if (!known.has(out.name)) fail(`graph output "${out.name}" is produced by nothing`);
}

function validateTensor(t: TensorProto, file: string, fail: (p: string) => never): void {
  const where = `tensor "${t.name}"`;
  if (!dtypeInfo(t.dataType)) fail(`${where} has an unknown data type ${t.dataType}`);
  for (const d of t.dims) if (d < 0n) fail(`${where} has a negative dimension ${d}`);
  const count = elementCount(t.dims);
  if (!Number.isSafeInteger(count)) fail(`${where} has an impossible shape [${t.dims.join(', ')}]`);
  if (t.dataType === DataType.STRING) return;
  const expected = rawByteLength(t.dataType, count)!;
  if (isExternal(t)) {
    const info = externalInfo(t);
    if (!info.location) fail(`${where} says its data is external but names no location`);
    if (info.length !== null && info.length !== expected) {
      fail(`${where} is ${dtypeName(t.dataType)} [${t.dims.join(', ')}], which takes ${expected} bytes, but its external data is ${info.length} bytes`);
    }
    return;
  }
  const typed =
    t.floatData.length || t.int32Data.length || t.int64Data.length || t.doubleData.length || t.uint64Data.length;
  if (t.rawData.length) {
    if (t.rawData.length !== expected) {
      fail(`${where} is ${dtypeName(t.dataType)} [${t.dims.join(', ')}], which takes ${expected} bytes, but holds ${t.rawData.length}`);
    }
  } else if (typed) {
    const per = t.dataType === DataType.COMPLEX64 || t.dataType === DataType.COMPLEX128 ? 2 : 1;
    const sub = (dtypeInfo(t.dataType)?.bits ?? 8) < 8;
    const want = sub ? Math.ceil(count / (8 / dtypeInfo(t.dataType)!.bits)) : count * per;
    if (typed !== want) fail(`${where} has shape [${t.dims.join(', ')}] (${count} values) but holds ${typed}`);
  } else if (count > 0) {
    fail(`${where} has shape [${t.dims.join(', ')}] but no data`);
  }
}

/** Loads every external tensor's bytes into raw_data, checking each file and range. */
export function loadExternalData(model: TOnnxModel): void {
  const dir = path.dirname(model.file);
  const handles = new Map<string, { fd: number; size: number }>();
  try {
    for (const t of allTensors(model.proto)) {
      if (!isExternal(t)) continue;
      const { location, offset, length } = externalInfo(t);
      const target = path.resolve(dir, location);
      if (path.isAbsolute(location) || !target.startsWith(dir + path.sep)) {
        throw new OnnxFormatError(model.file, `tensor "${t.name}" points at external data "${location}" outside the model's folder`);
      }
      let h = handles.get(target);
      if (!h) {
        let fd: number;
        try {
          fd = fs.openSync(target, 'r');
        } catch {
          throw new OnnxFormatError(model.file, `tensor "${t.name}" needs the external data file "${location}", which is missing`);
        }
        h = { fd, size: fs.fstatSync(fd).size };
        handles.set(target, h);
      }
      const bytes = length ?? rawByteLength(t.dataType, elementCount(t.dims))!;
      if (!(offset >= 0) || offset + bytes > h.size) {
        throw new OnnxFormatError(model.file, `tensor "${t.name}" reads bytes ${offset}-${offset + bytes} of "${location}", which has only ${h.size} (truncated?)`);
      }
      const buf = new Uint8Array(bytes);
      fs.readSync(h.fd, buf, 0, bytes, offset);
      t.rawData = buf;
      t.externalData = [];
      t.dataLocation = TensorProto_DataLocation.DEFAULT;
    }
  } finally {
    for (const h of handles.values()) fs.closeSync(h.fd);
  }
}

/** Every tensor in the model: initializers and constant attributes, in subgraphs too. */
export function* allTensors(proto: ModelProto): Generator<TensorProto> {
  function* walk(graph: GraphProto): Generator<TensorProto> {
    yield* graph.initializer;
    for (const node of graph.node) {
      for (const attr of node.attribute) {
        if (attr.t) yield attr.t;
        yield* attr.tensors;
        for (const g of [attr.g, ...attr.graphs]) if (g) yield* walk(g);
      }
    }
  }
  if (proto.graph) yield* walk(proto.graph);
}

export type TWriteOptions = {
  /** 'auto' (default): external data only when the model would pass protobuf's 2 GiB limit. */
  externalData?: 'auto' | 'always' | 'never';
};

/**
 * Writes a model atomically (temporary files, then rename). With external data, tensors of 1 KiB
 * or more go to `<file>.data` beside the model, each at a 4 KiB-aligned offset so runtimes can
 * map them; the .onnx file then holds the graph and small tensors only.
 */
export function writeModel(model: ModelProto, file: string, opts: TWriteOptions = {}): { bytes: number; externalBytes: number } {
  const abs = path.resolve(file);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  const tensors = [...allTensors(model)];
  const total = tensors.reduce((s, t) => s + t.rawData.length, 0);
  const mode = opts.externalData ?? 'auto';
  const external = mode === 'always' || (mode === 'auto' && total > PROTOBUF_LIMIT - 64 * 2 ** 20);
  const dataName = `${path.basename(abs)}.data`;
  const dataPath = path.join(path.dirname(abs), dataName);
  let externalBytes = 0;
  const tmpData = `${dataPath}.${randomUUID()}.tmp`;
  const restored: { t: TensorProto; raw: Uint8Array<ArrayBuffer> }[] = [];
  try {
    if (external) {
      const fd = fs.openSync(tmpData, 'w');
      try {
        let offset = 0;
        for (const t of tensors) {
          if (t.rawData.length < EXTERNAL_MIN_BYTES) continue;
          offset = Math.ceil(offset / EXTERNAL_ALIGN) * EXTERNAL_ALIGN;
          fs.writeSync(fd, t.rawData, 0, t.rawData.length, offset);
          restored.push({ t, raw: t.rawData });
          t.externalData = [
            create(StringStringEntryProtoSchema, { key: 'location', value: dataName }),
            create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
            create(StringStringEntryProtoSchema, { key: 'length', value: String(t.rawData.length) }),
          ];
          t.dataLocation = TensorProto_DataLocation.EXTERNAL;
          offset += t.rawData.length;
          t.rawData = new Uint8Array(0);
        }
        externalBytes = offset;
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
    const bytes = toBinary(ModelProtoSchema, model);
    if (bytes.length > PROTOBUF_LIMIT) throw new Error(`${abs}: the model is ${formatBytes(bytes.length)} even with external data`);
    const tmp = `${abs}.${randomUUID()}.tmp`;
    fs.writeFileSync(tmp, bytes);
    if (external) fs.renameSync(tmpData, dataPath);
    else fs.rmSync(dataPath, { force: true });
    fs.renameSync(tmp, abs);
    return { bytes: bytes.length, externalBytes };
  } finally {
    // the in-memory model keeps its weights
    for (const { t, raw } of restored) {
      t.rawData = raw;
      t.externalData = [];
      t.dataLocation = TensorProto_DataLocation.DEFAULT;
    }
    fs.rmSync(tmpData, { force: true });
  }
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}
