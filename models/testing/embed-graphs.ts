import type { EmbedDtype } from '#core/config.ts';
import { Random } from '#core/random.ts';
import { DataType, encodeModel, type InitializerSpec, type NodeSpec } from './onnx-proto.ts';

type Rgb = readonly [number, number, number];

/** What a stand-in dual encoder (text_model.onnx + vision_model.onnx) needs to know about its family. */
export interface DualEncoderSpec {
  family: string;
  dim: number;
  /** The family's image normalisation, so colour words meet images of that colour. */
  mean: Rgb;
  std: Rgb;
  vocabSize: number;
  /** Token id to the colour its word names. */
  colourIds: ReadonlyMap<number, Rgb>;
  /** Tokens whose row is zero (end and padding), so right padding changes nothing. */
  zeroIds: ReadonlySet<number>;
  /** Tokens with a small row (start of text). */
  dampedIds: ReadonlySet<number>;
  seed: number;
  /**
   * Also declare an `attention_mask` input (as some exports do). The graph then adds the mask's row sum times
   * a fixed unit row to each text vector, so a test can tell what mask was fed.
   */
  textAttentionMask?: boolean;
  /** Further int64 [batch, sequence] text inputs the graph declares but never reads (e.g. token_type_ids). */
  textExtraInputs?: readonly string[];
}

/** Scale of the mask marker row: large enough that a different mask moves the vector visibly. */
export const MASK_MARKER_SCALE = 0.5;

const GRID = 4;
const FEATURES = 3 * GRID * GRID;

// FEATURES orthonormal rows in R^dim (Gram-Schmidt), so that the vision projection keeps angles.
function orthonormalRows(prng: Random, dim: number): Float64Array[] {
  const rows: Float64Array[] = [];
  while (rows.length < FEATURES) {
    const v = prng.gaussians(dim);
    for (const r of rows) {
      let d = 0;
      for (let i = 0; i < dim; i++) d += (v[i] as number) * (r[i] as number);
      for (let i = 0; i < dim; i++) v[i] = (v[i] as number) - d * (r[i] as number);
    }
    const n = Math.hypot(...v);
    for (let i = 0; i < dim; i++) v[i] = (v[i] as number) / n;
    rows.push(v);
  }
  return rows;
}

// The pooled-grid feature of an image whose central 2x2 cells have colour `rgb`.
function colourFeature(rgb: Rgb, spec: DualEncoderSpec): Float64Array {
  const g = new Float64Array(FEATURES);
  for (let c = 0; c < 3; c++) {
    const value = ((rgb[c] as number) / 255 - (spec.mean[c] as number)) / (spec.std[c] as number);
    for (const y of [1, 2]) for (const x of [1, 2]) g[c * GRID * GRID + y * GRID + x] = value;
  }
  return g;
}

function project(feature: Float64Array, rows: Float64Array[], dim: number, norm: number): Float64Array {
  const out = new Float64Array(dim);
  feature.forEach((f, k) => {
    const row = rows[k] as Float64Array;
    for (let i = 0; i < dim; i++) out[i] = (out[i] as number) + f * (row[i] as number);
  });
  const n = Math.hypot(...out);
  return out.map((x) => (x / n) * norm);
}

function tokenTable(spec: DualEncoderSpec, rows: Float64Array[], prng: Random): Float32Array {
  const { dim, vocabSize } = spec;
  const table = new Float32Array(vocabSize * dim);
  for (let id = 0; id < vocabSize; id++) {
    const rgb = spec.colourIds.get(id);
    let row: ArrayLike<number>;
    if (spec.zeroIds.has(id)) row = new Float64Array(dim);
    else if (rgb) row = project(colourFeature(rgb, spec), rows, dim, 3);
    else {
      const scale = (spec.dampedIds.has(id) ? 0.1 : 1) / Math.sqrt(dim);
      row = prng.gaussians(dim).map((x) => x * scale);
    }
    table.set(row, id * dim);
  }
  return table;
}

/** One tower's graphs, serialised, at every precision the stand-ins offer (THREADFINDER_EMBED_DTYPE). */
export type DualEncoderGraphs = Record<EmbedDtype, { text: Uint8Array; vision: Uint8Array }>;

/** 8-bit weights as onnxruntime's quantize_dynamic stores them: per tensor, with a scale and a zero point. */
interface QuantizedWeights {
  values: Int8Array | Uint8Array;
  scale: number;
  zeroPoint: number;
}

/**
 * Quantizes weights per tensor: int8 symmetric (zero point 0, scale max|w| / 127), q8 as uint8 over [min, max]
 * widened to hold 0 (the weight types transformers.js's int8 and q8 exports use).
 */
export function quantizeWeights(weights: Float32Array, dtype: 'q8' | 'int8'): QuantizedWeights {
  let lo = 0;
  let hi = 0;
  for (const w of weights) {
    if (w < lo) lo = w;
    if (w > hi) hi = w;
  }
  if (dtype === 'int8') {
    const scale = Math.max(-lo, hi) / 127 || 1;
    const values = Int8Array.from(weights, (w) => Math.max(-127, Math.min(127, Math.round(w / scale))));
    return { values, scale, zeroPoint: 0 };
  }
  const scale = (hi - lo) / 255 || 1;
  const zeroPoint = Math.max(0, Math.min(255, Math.round(-lo / scale)));
  const values = Uint8Array.from(weights, (w) =>
    Math.max(0, Math.min(255, Math.round(w / scale) + zeroPoint)),
  );
  return { values, scale, zeroPoint };
}

/** The initializers of a quantized weight: `<name>_quantized`, `<name>_scale`, `<name>_zero_point`. */
function quantizedInitializers(name: string, dims: number[], q: QuantizedWeights): InitializerSpec[] {
  const zeroPoint = q.values instanceof Int8Array ? Int8Array.of(q.zeroPoint) : Uint8Array.of(q.zeroPoint);
  return [
    { name: `${name}_quantized`, dims, data: q.values },
    { name: `${name}_scale`, dims: [], data: Float32Array.of(q.scale) },
    { name: `${name}_zero_point`, dims: [], data: zeroPoint },
  ];
}

/**
 * Serialised stand-in text_model.onnx (input_ids int64 -> text_embeds) and vision_model.onnx
 * (pixel_values float32 [batch, 3, 224, 224] -> image_embeds), from one seed, at fp32 and quantized: `int8` and
 * `q8` hold their weights in 8 bits (int8 symmetric, q8 uint8), so their vectors differ slightly from fp32's.
 * The vision projection runs as quantize_dynamic writes a MatMul (DynamicQuantizeLinear -> MatMulInteger ->
 * Cast -> Mul by the scales); the token table, a Gather's data, is dequantized (DequantizeLinear) before the
 * Gather.
 */
export function buildDualEncoderGraphs(spec: DualEncoderSpec): DualEncoderGraphs {
  const prng = new Random(spec.seed);
  const rows = orthonormalRows(prng, spec.dim);
  const projection = new Float32Array(FEATURES * spec.dim);
  for (const [k, row] of rows.entries()) projection.set(row, k * spec.dim);
  const table = tokenTable(spec, rows, prng);
  const at = (dtype: EmbedDtype) => ({
    text: encodeModel(textGraph(spec, table, dtype)),
    vision: encodeModel(visionGraph(spec, projection, dtype)),
  });
  return { fp32: at('fp32'), q8: at('q8'), int8: at('int8') };
}

// vision_model.onnx: a 4x4 average-pooled colour layout times a projection.
function visionGraph(spec: DualEncoderSpec, projection: Float32Array, dtype: EmbedDtype) {
  const { dim, family } = spec;
  const cell = 224 / GRID;
  const dims = [FEATURES, dim];
  const pool: NodeSpec[] = [
    {
      op: 'AveragePool',
      inputs: ['pixel_values'],
      outputs: ['grid'],
      attrs: { kernel_shape: [cell, cell], strides: [cell, cell] },
    },
    { op: 'Flatten', inputs: ['grid'], outputs: ['layout'], attrs: { axis: 1 } },
  ];
  const fp32 = dtype === 'fp32';
  const w = 'visual_projection';
  return {
    name: `stand_in_${family}_vision${fp32 ? '' : `_${dtype}`}`,
    docString: `Threadfinder stand-in (${dtype}): 4x4 colour layout projected to ${dim} dims; meaningless outside tests.`,
    inputs: [{ name: 'pixel_values', dataType: DataType.FLOAT, shape: ['batch_size', 3, 224, 224] }],
    outputs: [{ name: 'image_embeds', dataType: DataType.FLOAT, shape: ['batch_size', dim] }],
    initializers: fp32
      ? [{ name: w, dims, data: projection }]
      : quantizedInitializers(w, dims, quantizeWeights(projection, dtype)),
    nodes: fp32
      ? [...pool, { op: 'MatMul', inputs: ['layout', w], outputs: ['image_embeds'] }]
      : [
          ...pool,
          {
            op: 'DynamicQuantizeLinear',
            inputs: ['layout'],
            outputs: ['layout_quantized', 'layout_scale', 'layout_zero_point'],
          },
          {
            op: 'MatMulInteger',
            inputs: ['layout_quantized', `${w}_quantized`, 'layout_zero_point', `${w}_zero_point`],
            outputs: ['product_int32'],
          },
          { op: 'Cast', inputs: ['product_int32'], outputs: ['product'], attrs: { to: DataType.FLOAT } },
          { op: 'Mul', inputs: ['layout_scale', `${w}_scale`], outputs: ['product_scale'] },
          { op: 'Mul', inputs: ['product', 'product_scale'], outputs: ['image_embeds'] },
        ],
  };
}

// text_model.onnx: the sum of the tokens' rows (plus, with an attention_mask input, mask sum x a marker row).
function textGraph(spec: DualEncoderSpec, table: Float32Array, dtype: EmbedDtype) {
  const { dim, family } = spec;
  const ids = { name: 'input_ids', dataType: DataType.INT64, shape: ['batch_size', 'sequence_length'] };
  const output = { name: 'text_embeds', dataType: DataType.FLOAT, shape: ['batch_size', dim] };
  const extra = (spec.textExtraInputs ?? []).map((name) => ({ ...ids, name }));
  const fp32 = dtype === 'fp32';
  const w = 'token_embedding';
  const dims = [spec.vocabSize, dim];
  const dequantize: NodeSpec[] = fp32
    ? []
    : [{ op: 'DequantizeLinear', inputs: [`${w}_quantized`, `${w}_scale`, `${w}_zero_point`], outputs: [w] }];
  const base = {
    name: `stand_in_${family}_text${fp32 ? '' : `_${dtype}`}`,
    docString: `Threadfinder stand-in (${dtype}): sum of seeded token embeddings; meaningless outside tests.`,
    initializers: [
      ...(fp32
        ? [{ name: w, dims, data: table }]
        : quantizedInitializers(w, dims, quantizeWeights(table, dtype))),
      { name: 'sequence_axis', dims: [1], data: BigInt64Array.from([1n]) },
    ],
    nodes: [
      ...dequantize,
      { op: 'Gather', inputs: [w, 'input_ids'], outputs: ['tokens'], attrs: { axis: 0 } },
    ],
  };
  const sumTokens = (out: string) => ({
    op: 'ReduceSum',
    inputs: ['tokens', 'sequence_axis'],
    outputs: [out],
    attrs: { keepdims: 0 },
  });
  if (!spec.textAttentionMask) {
    const nodes = [...base.nodes, sumTokens('text_embeds')];
    return { ...base, inputs: [ids, ...extra], outputs: [output], nodes };
  }
  const marker = new Float32Array(dim);
  marker[0] = MASK_MARKER_SCALE;
  return {
    ...base,
    inputs: [ids, { ...ids, name: 'attention_mask' }, ...extra],
    outputs: [output],
    initializers: [...base.initializers, { name: 'mask_marker', dims: [1, dim], data: marker }],
    nodes: [
      ...base.nodes,
      sumTokens('token_sum'),
      { op: 'Cast', inputs: ['attention_mask'], outputs: ['mask_float'], attrs: { to: DataType.FLOAT } },
      {
        op: 'ReduceSum',
        inputs: ['mask_float', 'sequence_axis'],
        outputs: ['mask_count'],
        attrs: { keepdims: 1 },
      },
      { op: 'MatMul', inputs: ['mask_count', 'mask_marker'], outputs: ['mask_term'] },
      { op: 'Add', inputs: ['token_sum', 'mask_term'], outputs: ['text_embeds'] },
    ],
  };
}
