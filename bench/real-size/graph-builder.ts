// A graph builder for random-weight ONNX graphs of real architectures: nodes, seeded initializers, and running
// counts of parameters and multiply-accumulates (MACs) per item. Ported from ../shared/tools/arch-models/onnx.ts
// onto the repository's own ONNX writer (models/testing/onnx-proto.ts), so the bench needs no copy of that tool.
import { Random } from '#core/random.ts';
import {
  type AttributeValue,
  DataType,
  type Dim,
  encodeModel,
  type InitializerSpec,
  type NodeSpec,
  type ValueSpec,
} from '#models/testing/onnx-proto.ts';

export { DataType };

const elements = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: InitializerSpec[] = [];
  readonly inputs: ValueSpec[] = [];
  readonly outputs: ValueSpec[] = [];
  /** Weights stored in the graph (float or 8-bit), as `sum(p.numel())` counts them. */
  params = 0;
  /** Multiply-accumulates of the convolutions and matrix products for one item. */
  macs = 0;
  private n = 0;
  private readonly consts = new Map<string, string>();

  constructor(
    readonly name: string,
    private readonly random = new Random(1234),
  ) {}

  uid(prefix: string): string {
    return `${prefix}_${this.n++}`;
  }

  private add(prefix: string, dims: number[], data: InitializerSpec['data']): string {
    const name = this.uid(prefix);
    this.initializers.push({ name, dims, data });
    return name;
  }

  /** A float weight filled with N(mean, std²); counted in `params`. */
  param(prefix: string, dims: number[], std: number, mean = 0): string {
    const data = new Float32Array(elements(dims));
    if (std === 0) data.fill(mean);
    else for (let i = 0; i < data.length; i++) data[i] = mean + std * this.random.gaussian();
    this.params += data.length;
    return this.add(prefix, dims, data);
  }

  /** An int8 weight, uniform in [-127, 127]; counted in `params`. */
  paramInt8(prefix: string, dims: number[]): string {
    const data = new Int8Array(elements(dims));
    for (let i = 0; i < data.length; i++) data[i] = this.random.int(-127, 127);
    this.params += data.length;
    return this.add(prefix, dims, data);
  }

  /** A uint8 weight, uniform in [0, 255] (zero point 128); counted in `params`. */
  paramUint8(prefix: string, dims: number[]): string {
    const data = new Uint8Array(elements(dims));
    for (let i = 0; i < data.length; i++) data[i] = this.random.int(0, 255);
    this.params += data.length;
    return this.add(prefix, dims, data);
  }

  /** A constant that is not a weight (shapes, masks, scales), shared by value when small. */
  constant(values: ArrayLike<number>, dims: number[], type: number = DataType.FLOAT): string {
    const key = `${type}|${dims}|${values.length < 64 ? Array.from(values).join(',') : this.n}`;
    const hit = this.consts.get(key);
    if (hit) return hit;
    const list = Array.from(values);
    const data =
      type === DataType.INT64
        ? BigInt64Array.from(list, (v) => BigInt(v))
        : type === DataType.INT32
          ? Int32Array.from(list)
          : type === DataType.INT8
            ? Int8Array.from(list)
            : type === DataType.UINT8
              ? Uint8Array.from(list)
              : Float32Array.from(list);
    const name = this.add('const', dims, data);
    this.consts.set(key, name);
    return name;
  }

  i64(values: number[]): string {
    return this.constant(values, [values.length], DataType.INT64);
  }

  f32(value: number): string {
    return this.constant([value], [], DataType.FLOAT);
  }

  /** Adds a node; returns its only output. */
  op(type: string, inputs: string[], attrs: Record<string, AttributeValue> = {}): string {
    return this.opN(type, inputs, attrs, 1)[0] as string;
  }

  /** Adds a node with `count` outputs. */
  opN(type: string, inputs: string[], attrs: Record<string, AttributeValue>, count: number): string[] {
    const name = this.uid(type);
    const outputs = Array.from({ length: count }, (_, i) => `${name}_o${i}`);
    this.nodes.push({ op: type, inputs, outputs, attrs });
    return outputs;
  }

  input(name: string, dataType: number, shape: Dim[]): string {
    this.inputs.push({ name, dataType, shape });
    return name;
  }

  /** Exposes tensor `from` as the graph output `name` (through an Identity node). */
  output(from: string, name: string, dataType: number, shape: Dim[]): void {
    this.nodes.push({ op: 'Identity', inputs: [from], outputs: [name] });
    this.outputs.push({ name, dataType, shape });
  }

  encode(docString: string): Uint8Array {
    return encodeModel({
      name: this.name,
      docString,
      inputs: this.inputs,
      outputs: this.outputs,
      nodes: this.nodes,
      initializers: this.initializers,
    });
  }
}
