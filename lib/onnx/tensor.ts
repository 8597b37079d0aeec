import { create } from '@bufbuild/protobuf';
import { type TensorProto, TensorProto_DataLocation, TensorProtoSchema } from 'onnx-buf';
import { DataType, dtypeName, rawByteLength } from './dtypes';

/** Number of elements of a tensor with these dims (1 for a scalar). */
export function elementCount(dims: readonly (number | bigint)[]): number {
  let n = 1;
  for (const d of dims) n *= Number(d);
  return n;
}

export function tensorDims(t: TensorProto): number[] {
  return t.dims.map(Number);
}

export function isExternal(t: TensorProto): boolean {
  return t.dataLocation === TensorProto_DataLocation.EXTERNAL;
}

export function externalInfo(t: TensorProto): { location: string; offset: number; length: number | null } {
  const get = (k: string) => t.externalData.find((e) => e.key === k)?.value;
  return {
    location: get('location') ?? '',
    offset: Number(get('offset') ?? 0),
    length: get('length') === undefined ? null : Number(get('length')),
  };
}

/** The bytes a tensor's values take in memory or on disk (raw or typed fields). */
export function tensorByteLength(t: TensorProto): number {
  if (isExternal(t)) return externalInfo(t).length ?? rawByteLength(t.dataType, elementCount(t.dims)) ?? 0;
  return rawByteLength(t.dataType, elementCount(t.dims)) ?? t.stringData.reduce((s, b) => s + b.length, 0);
}

function rawView(t: TensorProto): Uint8Array {
  if (isExternal(t)) throw new Error(`tensor ${t.name} has external data that was not loaded`);
  return t.rawData;
}

/** A tensor's values as float32 (float, float16 and double tensors; others are converted numerically). */
export function tensorToFloat32(t: TensorProto): Float32Array {
  const n = elementCount(t.dims);
  const raw = rawView(t);
  switch (t.dataType) {
    case DataType.FLOAT:
      if (raw.length) return view(Float32Array, raw, n);
      return Float32Array.from(t.floatData);
    case DataType.FLOAT16: {
      const out = new Float32Array(n);
      if (raw.length) {
        const halves = view(Uint16Array, raw, n);
        for (let i = 0; i < n; i++) out[i] = halfToFloat(halves[i]);
      } else for (let i = 0; i < n; i++) out[i] = halfToFloat(t.int32Data[i]);
      return out;
    }
    case DataType.DOUBLE:
      return Float32Array.from(raw.length ? view(Float64Array, raw, n) : t.doubleData);
    case DataType.INT64:
      return Float32Array.from(tensorToBigInt64(t), Number);
    case DataType.INT32:
      return Float32Array.from(raw.length ? view(Int32Array, raw, n) : t.int32Data);
    default:
      throw new Error(`tensor ${t.name}: reading ${dtypeName(t.dataType)} as float is not supported`);
  }
}

export function tensorToBigInt64(t: TensorProto): BigInt64Array {
  if (t.dataType !== DataType.INT64) throw new Error(`tensor ${t.name} is ${dtypeName(t.dataType)}, not int64`);
  const raw = rawView(t);
  const n = elementCount(t.dims);
  return raw.length ? view(BigInt64Array, raw, n) : BigInt64Array.from(t.int64Data);
}

/** Raw bytes of a tensor (typed fields are converted to the raw layout). */
export function tensorRawBytes(t: TensorProto): Uint8Array {
  const raw = rawView(t);
  if (raw.length || elementCount(t.dims) === 0) return raw;
  switch (t.dataType) {
    case DataType.FLOAT:
      return new Uint8Array(Float32Array.from(t.floatData).buffer);
    case DataType.INT64:
      return new Uint8Array(BigInt64Array.from(t.int64Data).buffer);
    case DataType.INT32:
      return new Uint8Array(Int32Array.from(t.int32Data).buffer);
    case DataType.DOUBLE:
      return new Uint8Array(Float64Array.from(t.doubleData).buffer);
    case DataType.FLOAT16:
      return new Uint8Array(Uint16Array.from(t.int32Data).buffer);
    case DataType.UINT8:
    case DataType.INT8:
    case DataType.BOOL:
      return Uint8Array.from(t.int32Data);
    default:
      throw new Error(`tensor ${t.name}: ${dtypeName(t.dataType)} typed fields are not supported`);
  }
}

/** A typed view over raw bytes; copies first when the bytes are not aligned for the type. */
function view<T>(Ctor: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number }, raw: Uint8Array, n: number): T {
  // Uint8Array.from copies (a Buffer's slice() would not)
  const bytes = raw.byteOffset % Ctor.BYTES_PER_ELEMENT === 0 ? raw : Uint8Array.from(raw);
  return new Ctor(bytes.buffer, bytes.byteOffset, n);
}

export function floatTensor(name: string, dims: number[], data: Float32Array): TensorProto {
  if (data.length !== elementCount(dims)) throw new Error(`tensor ${name}: ${data.length} values for dims [${dims}]`);
  return create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer),
  });
}

export function int64Tensor(name: string, dims: number[], data: number[] | BigInt64Array): TensorProto {
  const values = data instanceof BigInt64Array ? data : BigInt64Array.from(data, (v) => BigInt(v));
  if (values.length !== elementCount(dims)) throw new Error(`tensor ${name}: ${values.length} values for dims [${dims}]`);
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: DataType.INT64, rawData: new Uint8Array(values.buffer.slice(0) as ArrayBuffer) });
}

export function rawTensor(name: string, dims: number[], dataType: number, raw: Uint8Array): TensorProto {
  const expected = rawByteLength(dataType, elementCount(dims));
  if (expected !== raw.length) throw new Error(`tensor ${name}: ${raw.length} bytes for ${dtypeName(dataType)} [${dims}] (expected ${expected})`);
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType, rawData: raw as Uint8Array<ArrayBuffer> });
}

/** IEEE 754 half precision to single. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Single to IEEE 754 half precision, rounding to nearest even. */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rest = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return half;
}
