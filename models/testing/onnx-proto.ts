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
            i: f(3, 'int64'),
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
export const DataType = { FLOAT: 1, INT64: 7 } as const;

const AttributeType = { INT: 2, INTS: 7 } as const;

/** A dimension: a fixed size or a symbolic name such as `batch_size`. */
export type Dim = number | string;

/** A graph node: operator, inputs, outputs and integer attributes (one int or a list). */
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, number | number[]>;
}

/** A graph input or output. */
export interface ValueSpec {
  name: string;
  dataType: number;
  shape: Dim[];
}

/** A float32 or int64 constant. */
export interface InitializerSpec {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
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

const attribute = (name: string, value: number | number[]) => {
  if (Array.isArray(value)) return { name, ints: value, type: AttributeType.INTS };
  if (!Number.isInteger(value))
    throw new RangeError(`attribute ${name}: only integer attributes are supported`);
  return { name, i: value, type: AttributeType.INT };
};

const tensor = (t: InitializerSpec) => ({
  name: t.name,
  dims: t.dims,
  dataType: t.data instanceof Float32Array ? DataType.FLOAT : DataType.INT64,
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
