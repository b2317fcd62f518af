import { Random } from '#core/random.ts';
import { DataType, encodeModel } from './onnx-proto.ts';

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

/**
 * Serialised stand-in text_model.onnx (input_ids int64 -> text_embeds) and vision_model.onnx
 * (pixel_values float32 [batch, 3, 224, 224] -> image_embeds), from one seed.
 */
export function buildDualEncoderGraphs(spec: DualEncoderSpec): { text: Uint8Array; vision: Uint8Array } {
  const { dim, family } = spec;
  const prng = new Random(spec.seed);
  const rows = orthonormalRows(prng, dim);
  const projection = new Float32Array(FEATURES * dim);
  for (const [k, row] of rows.entries()) projection.set(row, k * dim);
  const table = tokenTable(spec, rows, prng);

  const text = encodeModel(textGraph(spec, table));
  const cell = 224 / GRID;
  const vision = encodeModel({
    name: `stand_in_${family}_vision`,
    docString: `Threadfinder stand-in: 4x4 colour layout projected to ${dim} dims; meaningless outside tests.`,
    inputs: [{ name: 'pixel_values', dataType: DataType.FLOAT, shape: ['batch_size', 3, 224, 224] }],
    outputs: [{ name: 'image_embeds', dataType: DataType.FLOAT, shape: ['batch_size', dim] }],
    initializers: [{ name: 'visual_projection', dims: [FEATURES, dim], data: projection }],
    nodes: [
      {
        op: 'AveragePool',
        inputs: ['pixel_values'],
        outputs: ['grid'],
        attrs: { kernel_shape: [cell, cell], strides: [cell, cell] },
      },
      { op: 'Flatten', inputs: ['grid'], outputs: ['layout'], attrs: { axis: 1 } },
      { op: 'MatMul', inputs: ['layout', 'visual_projection'], outputs: ['image_embeds'] },
    ],
  });
  return { text, vision };
}

// text_model.onnx: the sum of the tokens' rows (plus, with an attention_mask input, mask sum x a marker row).
function textGraph(spec: DualEncoderSpec, table: Float32Array) {
  const { dim, family } = spec;
  const ids = { name: 'input_ids', dataType: DataType.INT64, shape: ['batch_size', 'sequence_length'] };
  const output = { name: 'text_embeds', dataType: DataType.FLOAT, shape: ['batch_size', dim] };
  const extra = (spec.textExtraInputs ?? []).map((name) => ({ ...ids, name }));
  const base = {
    name: `stand_in_${family}_text`,
    docString: 'Threadfinder stand-in: sum of seeded token embeddings; meaningless outside tests.',
    initializers: [
      { name: 'token_embedding', dims: [spec.vocabSize, dim], data: table },
      { name: 'sequence_axis', dims: [1], data: BigInt64Array.from([1n]) },
    ],
    nodes: [
      { op: 'Gather', inputs: ['token_embedding', 'input_ids'], outputs: ['tokens'], attrs: { axis: 0 } },
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
