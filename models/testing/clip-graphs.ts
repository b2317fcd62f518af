import type { StandInTokenizer } from './clip-tokenizer.ts';
import { DataType, encodeModel } from './onnx-proto.ts';
import { Prng } from './prng.ts';

/** Output width of both stand-in CLIP graphs, as FashionCLIP's projection_dim. */
export const STAND_IN_DIM = 512;

const GRID = 4;
const FEATURES = 3 * GRID * GRID;
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/** Colour words whose text vectors point at images with that colour in the middle of the frame. */
export const COLOUR_WORDS: Readonly<Record<string, readonly [number, number, number]>> = {
  red: [220, 20, 40],
  blue: [30, 60, 200],
  green: [30, 150, 60],
  yellow: [240, 210, 40],
  black: [20, 20, 20],
  white: [245, 245, 245],
  grey: [128, 128, 128],
  gray: [128, 128, 128],
  pink: [240, 150, 180],
  purple: [120, 50, 150],
  orange: [240, 130, 30],
  brown: [120, 75, 40],
  navy: [20, 30, 80],
  beige: [220, 200, 170],
};

/** Words the stand-in tokenizer keeps whole; anything else splits into bytes. */
export const STAND_IN_WORDS: readonly string[] = [
  ...Object.keys(COLOUR_WORDS),
  ...[
    'a',
    'an',
    'the',
    'with',
    'and',
    'in',
    'of',
    'for',
    'on',
    'photo',
    'men',
    'women',
    'kids',
    'long',
    'short',
  ],
  ...['shirt', 'shirts', 'tee', 'top', 'blouse', 'dress', 'skirt', 'jeans', 'trousers', 'pants', 'shorts'],
  ...[
    'jacket',
    'coat',
    'hoodie',
    'sweater',
    'jumper',
    'cardigan',
    'suit',
    'shoes',
    'sneakers',
    'boots',
    'bag',
  ],
  ...['striped', 'stripes', 'floral', 'plaid', 'checked', 'polka', 'dot', 'dots', 'plain', 'printed', 'logo'],
  ...['cotton', 'linen', 'denim', 'wool', 'leather', 'silk', 'knit', 'sleeve', 'sleeves', 'summer', 'winter'],
];

// 48 orthonormal rows in R^512 (Gram-Schmidt), so that the vision projection keeps angles.
function orthonormalRows(prng: Prng): Float64Array[] {
  const rows: Float64Array[] = [];
  while (rows.length < FEATURES) {
    const v = prng.gaussians(STAND_IN_DIM);
    for (const r of rows) {
      let d = 0;
      for (let i = 0; i < STAND_IN_DIM; i++) d += (v[i] as number) * (r[i] as number);
      for (let i = 0; i < STAND_IN_DIM; i++) v[i] = (v[i] as number) - d * (r[i] as number);
    }
    const n = Math.hypot(...v);
    for (let i = 0; i < STAND_IN_DIM; i++) v[i] = (v[i] as number) / n;
    rows.push(v);
  }
  return rows;
}

// The pooled-grid feature of an image whose central 2x2 cells have colour `rgb`.
function colourFeature(rgb: readonly [number, number, number]): Float64Array {
  const g = new Float64Array(FEATURES);
  for (let c = 0; c < 3; c++) {
    const value = ((rgb[c] as number) / 255 - (CLIP_MEAN[c] as number)) / (CLIP_STD[c] as number);
    for (const y of [1, 2]) for (const x of [1, 2]) g[c * GRID * GRID + y * GRID + x] = value;
  }
  return g;
}

function project(feature: Float64Array, rows: Float64Array[], norm: number): Float64Array {
  const out = new Float64Array(STAND_IN_DIM);
  feature.forEach((f, k) => {
    const row = rows[k] as Float64Array;
    for (let i = 0; i < STAND_IN_DIM; i++) out[i] = (out[i] as number) + f * (row[i] as number);
  });
  const n = Math.hypot(...out);
  return out.map((x) => (x / n) * norm);
}

/** Serialised stand-in text_model.onnx and vision_model.onnx, from one seed. */
export function buildClipGraphs(
  tokenizer: StandInTokenizer,
  seed: number,
): { text: Uint8Array; vision: Uint8Array } {
  const prng = new Prng(seed);
  const rows = orthonormalRows(prng);
  const projection = new Float32Array(FEATURES * STAND_IN_DIM);
  for (const [k, row] of rows.entries()) projection.set(row, k * STAND_IN_DIM);

  const vocabSize = tokenizer.vocab.size;
  const table = new Float32Array(vocabSize * STAND_IN_DIM);
  const colourIds = new Map<number, readonly [number, number, number]>();
  for (const [word, rgb] of Object.entries(COLOUR_WORDS)) {
    const id = tokenizer.vocab.get(`${word}</w>`);
    if (id !== undefined) colourIds.set(id, rgb);
  }
  for (let id = 0; id < vocabSize; id++) {
    const rgb = colourIds.get(id);
    let row: ArrayLike<number>;
    if (id === tokenizer.eosId) row = new Float64Array(STAND_IN_DIM);
    else if (rgb) row = project(colourFeature(rgb), rows, 3);
    else {
      const scale = (id === tokenizer.bosId ? 0.1 : 1) / Math.sqrt(STAND_IN_DIM);
      row = prng.gaussians(STAND_IN_DIM).map((x) => x * scale);
    }
    table.set(row, id * STAND_IN_DIM);
  }

  // Pad and end tokens share the zero row and the sum runs over the sequence, so right padding changes nothing.
  const text = encodeModel({
    name: 'stand_in_clip_text',
    docString: 'Threadfinder stand-in: sum of seeded token embeddings; meaningless outside tests.',
    inputs: [{ name: 'input_ids', dataType: DataType.INT64, shape: ['batch_size', 'sequence_length'] }],
    outputs: [{ name: 'text_embeds', dataType: DataType.FLOAT, shape: ['batch_size', STAND_IN_DIM] }],
    initializers: [
      { name: 'token_embedding', dims: [vocabSize, STAND_IN_DIM], data: table },
      { name: 'sequence_axis', dims: [1], data: BigInt64Array.from([1n]) },
    ],
    nodes: [
      { op: 'Gather', inputs: ['token_embedding', 'input_ids'], outputs: ['tokens'], attrs: { axis: 0 } },
      {
        op: 'ReduceSum',
        inputs: ['tokens', 'sequence_axis'],
        outputs: ['text_embeds'],
        attrs: { keepdims: 0 },
      },
    ],
  });
  const cell = 224 / GRID;
  const vision = encodeModel({
    name: 'stand_in_clip_vision',
    docString: 'Threadfinder stand-in: 4x4 colour layout projected to 512 dims; meaningless outside tests.',
    inputs: [{ name: 'pixel_values', dataType: DataType.FLOAT, shape: ['batch_size', 3, 224, 224] }],
    outputs: [{ name: 'image_embeds', dataType: DataType.FLOAT, shape: ['batch_size', STAND_IN_DIM] }],
    initializers: [{ name: 'visual_projection', dims: [FEATURES, STAND_IN_DIM], data: projection }],
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
