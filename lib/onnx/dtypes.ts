import { TensorProto_DataType as DT } from 'onnx-buf';

export { TensorProto_DataType as DataType } from 'onnx-buf';

type TDtypeInfo = { name: string; bits: number };

/** Element sizes of ONNX tensor types, by their enum value. */
const INFO: Record<number, TDtypeInfo> = {
  [DT.FLOAT]: { name: 'float32', bits: 32 },
  [DT.UINT8]: { name: 'uint8', bits: 8 },
  [DT.INT8]: { name: 'int8', bits: 8 },
  [DT.UINT16]: { name: 'uint16', bits: 16 },
  [DT.INT16]: { name: 'int16', bits: 16 },
  [DT.INT32]: { name: 'int32', bits: 32 },
  [DT.INT64]: { name: 'int64', bits: 64 },
  [DT.STRING]: { name: 'string', bits: 0 },
  [DT.BOOL]: { name: 'bool', bits: 8 },
  [DT.FLOAT16]: { name: 'float16', bits: 16 },
  [DT.DOUBLE]: { name: 'float64', bits: 64 },
  [DT.UINT32]: { name: 'uint32', bits: 32 },
  [DT.UINT64]: { name: 'uint64', bits: 64 },
  [DT.COMPLEX64]: { name: 'complex64', bits: 64 },
  [DT.COMPLEX128]: { name: 'complex128', bits: 128 },
  [DT.BFLOAT16]: { name: 'bfloat16', bits: 16 },
  [DT.FLOAT8E4M3FN]: { name: 'float8e4m3fn', bits: 8 },
  [DT.FLOAT8E4M3FNUZ]: { name: 'float8e4m3fnuz', bits: 8 },
  [DT.FLOAT8E5M2]: { name: 'float8e5m2', bits: 8 },
  [DT.FLOAT8E5M2FNUZ]: { name: 'float8e5m2fnuz', bits: 8 },
  [DT.UINT4]: { name: 'uint4', bits: 4 },
  [DT.INT4]: { name: 'int4', bits: 4 },
  [DT.FLOAT4E2M1]: { name: 'float4e2m1', bits: 4 },
  [DT.FLOAT8E8M0]: { name: 'float8e8m0', bits: 8 },
  [DT.UINT2]: { name: 'uint2', bits: 2 },
  [DT.INT2]: { name: 'int2', bits: 2 },
};

export function dtypeInfo(dataType: number): TDtypeInfo | undefined {
  return INFO[dataType];
}

export function dtypeName(dataType: number): string {
  return INFO[dataType]?.name ?? `unknown(${dataType})`;
}

/** Bytes that `count` elements of this type take in raw_data (sub-byte types are packed). */
export function rawByteLength(dataType: number, count: number): number | undefined {
  const info = INFO[dataType];
  if (!info || info.bits === 0) return undefined;
  return Math.ceil((count * info.bits) / 8);
}
