import protobuf from 'protobufjs';

const f = (id: number, type: string, rule?: 'repeated') => (rule ? { id, type, rule } : { id, type });

// The subset of onnx.proto (field numbers as in onnx/onnx.proto) needed to write small inference graphs.
const root = protobuf.Root.fromJSON({
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: f(1, 'int64'),
            producerName: f(2, 'string'),
            producerVersion: f(3, 'string'),
            docString: f(6, 'string'),
            graph: f(7, 'GraphProto'),
            opsetImport: f(8, 'OperatorSetIdProto', 'repeated'),
          },
        },
        OperatorSetIdProto: { fields: { domain: f(1, 'string'), version: f(2, 'int64') } },
        GraphProto: {
          fields: {
            node: f(1, 'NodeProto', 'repeated'),
            name: f(2, 'string'),
            initializer: f(5, 'TensorProto', 'repeated'),
            input: f(11, 'ValueInfoProto', 'repeated'),
            output: f(12, 'ValueInfoProto', 'repeated'),
          },
        },
        NodeProto: {
          fields: {
            input: f(1, 'string', 'repeated'),
            output: f(2, 'string', 'repeated'),
            name: f(3, 'string'),
            opType: f(4, 'string'),
            attribute: f(5, 'AttributeProto', 'repeated'),
          },
        },
        AttributeProto: {
          fields: {
            name: f(1, 'string'),
            f: f(2, 'float'),
            i: f(3, 'int64'),
            s: f(4, 'bytes'),
            ints: f(8, 'int64', 'repeated'),
            type: f(20, 'int32'),
          },
        },
        TensorProto: {
          fields: {
            dims: f(1, 'int64', 'repeated'),
            dataType: f(2, 'int32'),
            name: f(8, 'string'),
            rawData: f(9, 'bytes'),
          },
        },
        ValueInfoProto: { fields: { name: f(1, 'string'), type: f(2, 'TypeProto') } },
        TypeProto: {
          fields: { tensorType: f(1, 'TensorTypeProto') },
        },
        TensorTypeProto: { fields: { elemType: f(1, 'int32'), shape: f(2, 'TensorShapeProto') } },
        TensorShapeProto: { fields: { dim: f(1, 'Dimension', 'repeated') } },
        Dimension: { fields: { dimValue: f(1, 'int64'), dimParam: f(2, 'string') } },
      },
    },
  },
});

const ModelProto = root.lookupType('onnx.ModelProto');

/** ONNX TensorProto.DataType codes used by the stand-ins. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

/** A dimension: a fixed size or a symbolic name such as `batch_size`. */
export type Dim = number | string;

/** A float attribute, even when its value is a whole number (a plain number is an INT attribute). */
export interface FloatAttribute {
  float: number;
}

/** An attribute value: one int, a list of ints, a string, or a float. */
export type AttributeValue = number | number[] | string | FloatAttribute;

/** A graph node: operator, inputs, outputs and attributes. */
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttributeValue>;
}

/** A graph input or output. */
export interface ValueSpec {
  name: string;
  dataType: number;
  shape: Dim[];
}

/** A constant: float32, int64, int32, or 8-bit (quantized weights and their zero points). */
export interface InitializerSpec {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;
}

/** Everything needed to serialise one single-graph model. */
export interface GraphSpec {
  name: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers: InitializerSpec[];
  docString?: string;
}

const valueInfo = (v: ValueSpec) => ({
  name: v.name,
  type: {
    tensorType: {
      elemType: v.dataType,
      shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});

const attribute = (name: string, value: AttributeValue) => {
  if (Array.isArray(value)) return { name, ints: value, type: AttributeType.INTS };
  if (typeof value === 'string')
    return { name, s: new TextEncoder().encode(value), type: AttributeType.STRING };
  if (typeof value === 'object') return { name, f: value.float, type: AttributeType.FLOAT };
  if (!Number.isInteger(value))
    throw new RangeError(`attribute ${name}: ${value} is not an integer; write { float: ${value} }`);
  return { name, i: value, type: AttributeType.INT };
};

const dataTypeOf = (data: InitializerSpec['data']): number => {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof BigInt64Array) return DataType.INT64;
  if (data instanceof Int32Array) return DataType.INT32;
  if (data instanceof Int8Array) return DataType.INT8;
  return DataType.UINT8;
};

// raw_data is little-endian (onnx.proto); the typed arrays are written as they lie in memory, which is
// little-endian on every platform Node and onnxruntime-node ship for.
const tensor = (t: InitializerSpec) => ({
  name: t.name,
  dims: t.dims,
  dataType: dataTypeOf(t.data),
  rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
});

/** Serialises a graph as an ONNX model (IR version 8, default-domain opset 17). */
export function encodeModel(spec: GraphSpec): Uint8Array {
  const message = ModelProto.fromObject({
    irVersion: 8,
    producerName: 'threadfinder-stand-ins',
    producerVersion: '1',
    docString: spec.docString ?? '',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: spec.name,
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: spec.initializers.map(tensor),
      node: spec.nodes.map((n, i) => ({
        name: `${n.op}_${i}`,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
    },
  });
  return ModelProto.encode(message).finish();
}
