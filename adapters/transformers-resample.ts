import type { RgbImage } from '#core/ports/models.ts';

/**
 * Pillow's `Image.resize` for 8-bit RGB, reproduced (libImaging/Resample.c): a separable convolution whose
 * kernel widens by the scale when shrinking (so it antialiases), horizontal pass first into an 8-bit image,
 * then the vertical pass, with Pillow's 22-bit fixed-point coefficients and rounding. The authors' Python
 * (open_clip, Hugging Face image processors, rembg) all resize with Pillow, so using the same arithmetic keeps
 * our model inputs within rounding of theirs; sharp's kernels differ in phase when enlarging and in support when
 * shrinking (see test/models/preprocessing-conformance.test.ts).
 */
export type PilFilter = 'bicubic' | 'lanczos';

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;

function bicubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(x * Math.PI) / (x * Math.PI));
const lanczos = (x: number) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0);

const FILTERS = { bicubic: { fn: bicubic, support: 2 }, lanczos: { fn: lanczos, support: 3 } } as const;

interface Coefficients {
  ksize: number;
  /** First source index and tap count per output index. */
  bounds: Int32Array;
  /** Fixed-point weights, ksize per output index (integers, as Pillow's INT32 ones). */
  weights: Int32Array;
}

// precompute_coeffs + normalize_coeffs_8bpc.
function coefficients(inSize: number, outSize: number, filter: PilFilter): Coefficients {
  const { fn, support: base } = FILTERS[filter];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = base * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < count; x++) {
      k[x] = fn((x + xmin - center + 0.5) / filterScale);
      total += k[x] as number;
    }
    for (let x = 0; x < count; x++) {
      const w = total === 0 ? (k[x] as number) : (k[x] as number) / total;
      weights[xx * ksize + x] = Math.trunc(w < 0 ? -0.5 + w * ONE : 0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = count;
  }
  return { ksize, bounds, weights };
}

// The sums stay within int32, as Pillow's do (its accumulator is an INT32): `>> PRECISION_BITS` is its floor
// division, and a Uint8ClampedArray store its clip8 for integers.

function horizontal(image: RgbImage, width: number, c: Coefficients): RgbImage {
  const { data, width: inWidth, height } = image;
  const out = new Uint8ClampedArray(width * height * 3);
  const { bounds, weights, ksize } = c;
  const half = ONE / 2;
  for (let y = 0, o = 0; y < height; y++) {
    const row = y * inWidth * 3;
    for (let xx = 0; xx < width; xx++, o += 3) {
      const xmin = bounds[xx * 2] as number;
      const count = bounds[xx * 2 + 1] as number;
      const k0 = xx * ksize;
      let r = half;
      let g = half;
      let b = half;
      for (let x = 0, i = row + xmin * 3; x < count; x++, i += 3) {
        const w = weights[k0 + x] as number;
        r += (data[i] as number) * w;
        g += (data[i + 1] as number) * w;
        b += (data[i + 2] as number) * w;
      }
      out[o] = r >> PRECISION_BITS;
      out[o + 1] = g >> PRECISION_BITS;
      out[o + 2] = b >> PRECISION_BITS;
    }
  }
  return { data: new Uint8Array(out.buffer), width, height };
}

function vertical(image: RgbImage, height: number, c: Coefficients): RgbImage {
  const { data, width } = image;
  const stride = width * 3;
  const out = new Uint8ClampedArray(stride * height);
  const { bounds, weights, ksize } = c;
  const half = ONE / 2;
  for (let yy = 0, o = 0; yy < height; yy++) {
    const ymin = bounds[yy * 2] as number;
    const count = bounds[yy * 2 + 1] as number;
    const k0 = yy * ksize;
    for (let xx = 0; xx < width; xx++, o += 3) {
      let r = half;
      let g = half;
      let b = half;
      for (let y = 0, i = ymin * stride + xx * 3; y < count; y++, i += stride) {
        const w = weights[k0 + y] as number;
        r += (data[i] as number) * w;
        g += (data[i + 1] as number) * w;
        b += (data[i + 2] as number) * w;
      }
      out[o] = r >> PRECISION_BITS;
      out[o + 1] = g >> PRECISION_BITS;
      out[o + 2] = b >> PRECISION_BITS;
    }
  }
  return { data: new Uint8Array(out.buffer), width, height };
}

/** Resizes 8-bit RGB to `width` x `height` exactly as Pillow's `Image.resize(size, filter)` does. */
export function resizePil(image: RgbImage, width: number, height: number, filter: PilFilter): RgbImage {
  let out = image;
  if (width !== image.width) out = horizontal(out, width, coefficients(image.width, width, filter));
  if (height !== image.height) out = vertical(out, height, coefficients(image.height, height, filter));
  return out;
}
