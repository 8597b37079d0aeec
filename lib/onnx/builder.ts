import { create } from '@bufbuild/protobuf';
import {
  type AttributeProto,
  AttributeProto_AttributeType as AT,
  AttributeProtoSchema,
  GraphProtoSchema,
  type ModelProto,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  type TensorProto,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from 'onnx-buf';
import { DataType } from './dtypes';
import { floatTensor, int64Tensor } from './tensor';

/** Numbers that are whole become INT attributes; wrap a whole-number float as `{ float: 1 }`. */
export type TAttr = number | string | number[] | Float32Array | TensorProto | { float: number } | { floats: number[] } | { ints: number[] };
export type TDim = number | string | null;

export function valueInfoProto(name: string, elemType: number, shape: TDim[] | null): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, {
      value: {
        case: 'tensorType',
        value: create(TypeProto_TensorSchema, {
          elemType,
          shape: shape
            ? create(TensorShapeProtoSchema, {
                dim: shape.map((d) =>
                  create(TensorShapeProto_DimensionSchema, {
                    value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : typeof d === 'string' ? { case: 'dimParam', value: d } : { case: undefined },
                  }),
                ),
              })
            : undefined,
        }),
      },
    }),
  });
}

export function attribute(name: string, value: TAttr): AttributeProto {
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Object.is(value, -0)
      ? create(AttributeProtoSchema, { name, type: AT.INT, i: BigInt(value) })
      : create(AttributeProtoSchema, { name, type: AT.FLOAT, f: value });
  }
  if (typeof value === 'string') return create(AttributeProtoSchema, { name, type: AT.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) return create(AttributeProtoSchema, { name, type: AT.INTS, ints: value.map((v) => BigInt(v)) });
  if (value instanceof Float32Array) return create(AttributeProtoSchema, { name, type: AT.FLOATS, floats: [...value] });
  if ('float' in value) return create(AttributeProtoSchema, { name, type: AT.FLOAT, f: value.float });
  if ('floats' in value) return create(AttributeProtoSchema, { name, type: AT.FLOATS, floats: value.floats });
  if ('ints' in value) return create(AttributeProtoSchema, { name, type: AT.INTS, ints: value.ints.map((v) => BigInt(v)) });
  return create(AttributeProtoSchema, { name, type: AT.TENSOR, t: value });
}

/**
 * Builds ONNX graphs the way torch.onnx names them: nodes are named by module scope
 * (`/transformer_blocks.0/attn/to_q/MatMul`), their outputs `<node>_output_0`, and weights by
 * module path (`transformer_blocks.0.attn.to_q.weight`). Block discovery reads those names.
 */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly scopes: string[] = [];
  private readonly used = new Set<string>();
  private constCount = 0;

  constructor(readonly name: string) {}

  /** Runs `fn` inside a module scope (nested scopes join with '/' in node names, '.' in weight names). */
  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** The current module path, e.g. "transformer_blocks.0.attn". */
  get modulePath(): string {
    return this.scopes.join('.');
  }

  input(name: string, elemType: number, shape: TDim[]): string {
    this.inputs.push(valueInfoProto(name, elemType, shape));
    return name;
  }

  output(name: string, elemType: number, shape: TDim[] | null = null): void {
    this.outputs.push(valueInfoProto(name, elemType, shape));
  }

  /** A float weight named by the current module path (`<path>.<leaf>`). */
  weight(leaf: string, dims: number[], data: Float32Array): string {
    const name = this.modulePath ? `${this.modulePath}.${leaf}` : leaf;
    if (this.used.has(name)) throw new Error(`duplicate weight ${name}`);
    this.used.add(name);
    this.initializers.push(floatTensor(name, dims, data));
    return name;
  }

  /** A small constant (shapes, axes, scalars), named like torch's exported constants. */
  constInt64(values: number[], dims = [values.length]): string {
    const name = `onnx::Const_${this.constCount++}`;
    this.initializers.push(int64Tensor(name, dims, values));
    return name;
  }

  constFloat(values: number[], dims = [values.length]): string {
    const name = `onnx::Const_${this.constCount++}`;
    this.initializers.push(floatTensor(name, dims, Float32Array.from(values)));
    return name;
  }

  /** Adds a node; returns its output names (one unless `outputs` says how many). */
  op(opType: string, inputs: string[], attrs: Record<string, TAttr> = {}, opts: { outputs?: number; domain?: string; name?: string } = {}): string[] {
    const base = `/${this.scopes.join('/')}${this.scopes.length ? '/' : ''}${opts.name ?? opType}`;
    let nodeName = base;
    for (let i = 1; this.used.has(nodeName); i++) nodeName = `${base}_${i}`;
    this.used.add(nodeName);
    const outputs = Array.from({ length: opts.outputs ?? 1 }, (_, i) => `${nodeName}_output_${i}`);
    this.nodes.push(
      create(NodeProtoSchema, {
        name: nodeName,
        opType,
        domain: opts.domain ?? '',
        input: inputs,
        output: outputs,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outputs;
  }

  /** Shorthand for single-output nodes. */
  op1(opType: string, inputs: string[], attrs: Record<string, TAttr> = {}, opts: { domain?: string; name?: string } = {}): string {
    return this.op(opType, inputs, attrs, opts)[0];
  }

  model(opts: { opsets?: Record<string, number>; producer?: string; metadata?: Record<string, string> } = {}): ModelProto {
    const opsets = opts.opsets ?? { '': 17 };
    return create(ModelProtoSchema, {
      irVersion: 8n,
      producerName: opts.producer ?? 'prunearena',
      producerVersion: '0.1',
      opsetImport: Object.entries(opsets).map(([domain, version]) => create(OperatorSetIdProtoSchema, { domain, version: BigInt(version) })),
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => create(StringStringEntryProtoSchema, { key, value })),
      graph: create(GraphProtoSchema, {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      }),
    });
  }
}

export { DataType };
