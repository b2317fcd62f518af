// The real models' architectures with random weights, under the real exports' tensor names. Ported from
// ../shared/tools/arch-models (u2net.ts, clip.ts), whose RESULTS.md gives their parameters and FLOPs:
// U²-Net 44.0M params, 339 GMACs at 768x768; ViT-B/16 86.2M, 17.6 GMACs; CLIP text 63.4M, 2.98 GMACs.
import { DataType, GraphBuilder } from './graph-builder.ts';

/** How the transformer Linear layers are stored: fp32 MatMul, or quantize_dynamic's 8-bit pattern. */
export type LinearPrecision = 'fp32' | 'int8' | 'q8';

// ---------------------------------------------------------------- U²-Net (rembg's u2net_cloth_seg)

interface Feature {
  name: string;
  c: number;
  /** Side at the nominal input size, for the MAC count only: the graph itself has free height and width. */
  side: number;
}

class U2 {
  bnParams = 0;
  constructor(readonly g: GraphBuilder) {}

  conv(x: Feature, out: number, k = 3, dilation = 1): Feature {
    const { g } = this;
    const pad = ((k - 1) / 2) * dilation;
    // LeCun-normal: activations stay O(1) through the residual stack.
    const w = g.param('conv_w', [out, x.c, k, k], Math.sqrt(1 / (x.c * k * k)));
    const b = g.param('conv_b', [out], 0.01);
    g.macs += out * x.c * k * k * x.side * x.side;
    const name = g.op('Conv', [x.name, w, b], {
      kernel_shape: [k, k],
      pads: [pad, pad, pad, pad],
      dilations: [dilation, dilation],
    });
    return { name, c: out, side: x.side };
  }

  /** REBNCONV: 3x3 conv (dilated), BatchNorm folded into its bias, ReLU. */
  rebn(x: Feature, out: number, dilation = 1): Feature {
    this.bnParams += 2 * out;
    const y = this.conv(x, out, 3, dilation);
    return { ...y, name: this.g.op('Relu', [y.name]) };
  }

  pool(x: Feature): Feature {
    const name = this.g.op('MaxPool', [x.name], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 });
    return { name, c: x.c, side: Math.ceil(x.side / 2) };
  }

  /** Bilinear upsampling by an integer factor, given as scales: the graph runs at any multiple of 64. */
  up(x: Feature, factor: number): Feature {
    const scales = this.g.constant([1, 1, factor, factor], [4]);
    const name = this.g.op('Resize', [x.name, '', scales], {
      mode: 'linear',
      coordinate_transformation_mode: 'half_pixel',
    });
    return { name, c: x.c, side: x.side * factor };
  }

  cat(a: Feature, b: Feature): Feature {
    return { name: this.g.op('Concat', [a.name, b.name], { axis: 1 }), c: a.c + b.c, side: a.side };
  }

  add(a: Feature, b: Feature): Feature {
    return { ...a, name: this.g.op('Add', [a.name, b.name]) };
  }

  /** RSU-L (L = 7, 6, 5, 4): a U-Net of depth L-1 inside a residual block. */
  rsu(levels: number, x: Feature, mid: number, out: number): Feature {
    const hin = this.rebn(x, out);
    const enc: Feature[] = [this.rebn(hin, mid)];
    for (let i = 1; i < levels - 1; i++) enc.push(this.rebn(this.pool(enc[i - 1] as Feature), mid));
    let d = this.rebn(enc[levels - 2] as Feature, mid, 2);
    for (let i = levels - 2; i >= 0; i--) {
      d = this.rebn(this.cat(d, enc[i] as Feature), i === 0 ? out : mid);
      if (i > 0) d = this.up(d, 2);
    }
    return this.add(d, hin);
  }

  /** RSU-4F: dilated convolutions (1, 2, 4, 8) at constant resolution. */
  rsu4f(x: Feature, mid: number, out: number): Feature {
    const hin = this.rebn(x, out);
    const h1 = this.rebn(hin, mid, 1);
    const h2 = this.rebn(h1, mid, 2);
    const h3 = this.rebn(h2, mid, 4);
    const h4 = this.rebn(h3, mid, 8);
    const d3 = this.rebn(this.cat(h4, h3), mid, 4);
    const d2 = this.rebn(this.cat(d3, h2), mid, 2);
    const d1 = this.rebn(this.cat(d2, h1), out, 1);
    return this.add(d1, hin);
  }
}

/**
 * Full U²-Net with 4 output channels (background, upper, lower, full), as rembg's u2net_cloth_seg: input `input.1`
 * float32 [1, 3, height, width], first output `1959` [1, 4, height, width] (the names of the registry's stand-in,
 * which the segmenter reads from the session anyway). Height and width are free: pools halve, Resize doubles by
 * scales, so the graph runs at every multiple of 64 (768, 512, 384, 320); MACs are counted at `nominal`.
 */
export function buildU2net(nominal = 768, classes = 4): { graph: GraphBuilder; bnParams: number } {
  const g = new GraphBuilder('u2net_cloth_seg_random');
  const u = new U2(g);
  const x: Feature = {
    name: g.input('input.1', DataType.FLOAT, [1, 3, 'height', 'width']),
    c: 3,
    side: nominal,
  };
  const hx1 = u.rsu(7, x, 32, 64);
  const hx2 = u.rsu(6, u.pool(hx1), 32, 128);
  const hx3 = u.rsu(5, u.pool(hx2), 64, 256);
  const hx4 = u.rsu(4, u.pool(hx3), 128, 512);
  const hx5 = u.rsu4f(u.pool(hx4), 256, 512);
  const hx6 = u.rsu4f(u.pool(hx5), 256, 512);
  const hx5d = u.rsu4f(u.cat(u.up(hx6, 2), hx5), 256, 512);
  const hx4d = u.rsu(4, u.cat(u.up(hx5d, 2), hx4), 128, 256);
  const hx3d = u.rsu(5, u.cat(u.up(hx4d, 2), hx3), 64, 128);
  const hx2d = u.rsu(6, u.cat(u.up(hx3d, 2), hx2), 32, 64);
  const hx1d = u.rsu(7, u.cat(u.up(hx2d, 2), hx1), 16, 64);
  const sides = [hx1d, hx2d, hx3d, hx4d, hx5d, hx6].map((h, i) => {
    const s = u.conv(h, classes, 3);
    return i === 0 ? s : u.up(s, 2 ** i);
  });
  const joined = g.op(
    'Concat',
    sides.map((s) => s.name),
    { axis: 1 },
  );
  const fused = u.conv({ name: joined, c: 6 * classes, side: nominal }, classes, 1);
  g.output(g.op('Sigmoid', [fused.name]), '1959', DataType.FLOAT, [1, classes, 'height', 'width']);
  return { graph: g, bnParams: u.bnParams };
}

// ---------------------------------------------------------------- CLIP towers (Marqo-FashionCLIP: ViT-B/16)

const STD = 0.02;

/**
 * y = x W + b over `tokens` rows per item: an fp32 MatMul, or what onnxruntime's quantize_dynamic writes for an
 * 8-bit export (DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul by the scales -> Add the bias), with
 * int8 weights (int8, zero point 0) or uint8 weights (q8, zero point 128). onnxruntime fuses the pattern into
 * DynamicQuantizeMatMul.
 */
function linear(
  g: GraphBuilder,
  x: string,
  din: number,
  dout: number,
  tokens: number,
  precision: LinearPrecision,
  bias = true,
): string {
  g.macs += tokens * din * dout;
  let y: string;
  if (precision === 'fp32') {
    y = g.op('MatMul', [x, g.param('w', [din, dout], STD)]);
  } else {
    const int8 = precision === 'int8';
    const w = int8 ? g.paramInt8('wq', [din, dout]) : g.paramUint8('wq', [din, dout]);
    const wScale = g.f32(STD / 64); // 8-bit weights spanning ~±127 steps -> values of about N(0, 0.02)
    const wZero = int8 ? g.constant([0], [], DataType.INT8) : g.constant([128], [], DataType.UINT8);
    const [xq, xScale, xZero] = g.opN('DynamicQuantizeLinear', [x], {}, 3) as [string, string, string];
    const acc = g.op('MatMulInteger', [xq, w, xZero, wZero]);
    const scale = g.op('Mul', [xScale, wScale]);
    y = g.op('Mul', [g.op('Cast', [acc], { to: DataType.FLOAT }), scale]);
  }
  return bias ? g.op('Add', [y, g.param('b', [dout], STD)]) : y;
}

function layerNorm(g: GraphBuilder, x: string, d: number): string {
  return g.op('LayerNormalization', [x, g.param('ln_g', [d], 0, 1), g.param('ln_b', [d], 0, 0)], {
    axis: -1,
    epsilon: { float: 1e-5 },
  });
}

/** nn.MultiheadAttention(x, x, x) on [N, T, D], in-projection fused. */
function attention(
  g: GraphBuilder,
  x: string,
  d: number,
  heads: number,
  t: number,
  mask: string | null,
  p: LinearPrecision,
): string {
  const dh = d / heads;
  const qkv = linear(g, x, d, 3 * d, t, p);
  const r = g.op('Reshape', [qkv, g.i64([0, t, 3, heads, dh])]);
  const perm = g.op('Transpose', [r], { perm: [2, 0, 3, 1, 4] });
  const [q, k, v] = g
    .opN('Split', [perm, g.i64([1, 1, 1])], { axis: 0 }, 3)
    .map((s) => g.op('Squeeze', [s, g.i64([0])])) as [string, string, string];
  const qs = g.op('Mul', [q, g.f32(1 / Math.sqrt(dh))]);
  let s = g.op('MatMul', [qs, g.op('Transpose', [k], { perm: [0, 1, 3, 2] })]);
  g.macs += heads * t * t * dh;
  if (mask) s = g.op('Add', [s, mask]);
  const a = g.op('MatMul', [g.op('Softmax', [s], { axis: -1 }), v]);
  g.macs += heads * t * t * dh;
  const m = g.op('Reshape', [g.op('Transpose', [a], { perm: [0, 2, 1, 3] }), g.i64([0, t, d])]);
  return linear(g, m, d, d, t, p);
}

function block(
  g: GraphBuilder,
  x0: string,
  d: number,
  heads: number,
  t: number,
  mask: string | null,
  p: LinearPrecision,
): string {
  const x = g.op('Add', [x0, attention(g, layerNorm(g, x0, d), d, heads, t, mask, p)]);
  let h = linear(g, layerNorm(g, x, d), d, 4 * d, t, p);
  h = g.op('Mul', [h, g.op('Sigmoid', [g.op('Mul', [h, g.f32(1.702)])])]); // QuickGELU
  return g.op('Add', [x, linear(g, h, 4 * d, d, t, p)]);
}

/**
 * CLIP ViT image tower (CLIPVisionModelWithProjection): `pixel_values` float32 [batch_size, 3, 224, 224] ->
 * `image_embeds` [batch_size, 512], as the registry's marqo-fashion-clip entry declares. ViT-B/16: 16x16 patches,
 * 197 tokens, 12 pre-LN blocks 768 wide, 12 heads, MLP 3072.
 */
export function buildVit(precision: LinearPrecision, patch = 16, embed = 512): GraphBuilder {
  const res = 224;
  const d = 768;
  const g = new GraphBuilder(`vit_b${patch}_${precision}_random`);
  const grid = res / patch;
  const t = grid * grid + 1;
  const x0 = g.input('pixel_values', DataType.FLOAT, ['batch_size', 3, res, res]);
  const conv = g.op('Conv', [x0, g.param('patch_w', [d, 3, patch, patch], STD)], {
    kernel_shape: [patch, patch],
    strides: [patch, patch],
  });
  g.macs += (t - 1) * d * 3 * patch * patch;
  const tokens = g.op('Transpose', [g.op('Reshape', [conv, g.i64([0, d, grid * grid])])], {
    perm: [0, 2, 1],
  });
  const n = g.op('Slice', [g.op('Shape', [x0]), g.i64([0]), g.i64([1])]);
  const cls = g.op('Expand', [
    g.param('cls', [1, 1, d], STD),
    g.op('Concat', [n, g.i64([1, d])], { axis: 0 }),
  ]);
  let x = g.op('Concat', [cls, tokens], { axis: 1 });
  x = g.op('Add', [x, g.param('pos', [t, d], STD)]);
  x = layerNorm(g, x, d);
  for (let i = 0; i < 12; i++) x = block(g, x, d, 12, t, null, precision);
  x = layerNorm(g, g.op('Gather', [x, g.constant([0], [], DataType.INT64)], { axis: 1 }), d);
  x = linear(g, x, d, embed, 1, 'fp32', false); // the projection stays fp32 (tiny)
  g.output(x, 'image_embeds', DataType.FLOAT, ['batch_size', embed]);
  return g;
}

/**
 * CLIP text tower (CLIPTextModelWithProjection): `input_ids` int64 [batch_size, 77] -> `text_embeds`
 * [batch_size, 512]; 12 causal blocks 512 wide, 8 heads, pooled at argmax(ids) as CLIP does. The sequence is
 * fixed at 77 (the real export takes any length): the bench pads texts to 77 tokens.
 */
export function buildText(precision: LinearPrecision, embed = 512): GraphBuilder {
  const ctx = 77;
  const vocab = 49408;
  const d = 512;
  const g = new GraphBuilder(`clip_text_${precision}_random`);
  const ids = g.input('input_ids', DataType.INT64, ['batch_size', ctx]);
  let x = g.op('Gather', [g.param('tok_emb', [vocab, d], STD), ids], { axis: 0 });
  x = g.op('Add', [x, g.param('pos', [ctx, d], 0.01)]);
  const mask = new Float32Array(ctx * ctx);
  for (let i = 0; i < ctx; i++) for (let j = i + 1; j < ctx; j++) mask[i * ctx + j] = -Infinity;
  const maskName = g.constant(mask, [ctx, ctx]);
  for (let i = 0; i < 12; i++) x = block(g, x, d, 8, ctx, maskName, precision);
  x = layerNorm(g, x, d);
  const eot = g.op('ArgMax', [g.op('Cast', [ids], { to: DataType.INT32 })], { axis: -1, keepdims: 1 });
  x = g.op('GatherND', [x, eot], { batch_dims: 1 });
  x = linear(g, x, d, embed, 1, 'fp32', false);
  g.output(x, 'text_embeds', DataType.FLOAT, ['batch_size', embed]);
  return g;
}
