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
  /** Fixed-point weights, ksize per output index. */
  weights: Float64Array;
}

// precompute_coeffs + normalize_coeffs_8bpc.
function coefficients(inSize: number, outSize: number, filter: PilFilter): Coefficients {
  const { fn, support: base } = FILTERS[filter];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = base * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Float64Array(outSize * ksize);
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

const clip8 = (sum: number) => {
  const v = Math.floor(sum / ONE);
  return Math.min(Math.max(v, 0), 255);
};

function horizontal(image: RgbImage, width: number, c: Coefficients): RgbImage {
  const { data, width: inWidth, height } = image;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = y * inWidth * 3;
    for (let xx = 0; xx < width; xx++) {
      const xmin = c.bounds[xx * 2] as number;
      const count = c.bounds[xx * 2 + 1] as number;
      let r = ONE / 2;
      let g = ONE / 2;
      let b = ONE / 2;
      for (let x = 0; x < count; x++) {
        const w = c.weights[xx * c.ksize + x] as number;
        const i = row + (x + xmin) * 3;
        r += (data[i] as number) * w;
        g += (data[i + 1] as number) * w;
        b += (data[i + 2] as number) * w;
      }
      const o = (y * width + xx) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { data: out, width, height };
}

function vertical(image: RgbImage, height: number, c: Coefficients): RgbImage {
  const { data, width } = image;
  const out = new Uint8Array(width * height * 3);
  for (let yy = 0; yy < height; yy++) {
    const ymin = c.bounds[yy * 2] as number;
    const count = c.bounds[yy * 2 + 1] as number;
    for (let xx = 0; xx < width; xx++) {
      let r = ONE / 2;
      let g = ONE / 2;
      let b = ONE / 2;
      for (let y = 0; y < count; y++) {
        const w = c.weights[yy * c.ksize + y] as number;
        const i = ((y + ymin) * width + xx) * 3;
        r += (data[i] as number) * w;
        g += (data[i + 1] as number) * w;
        b += (data[i + 2] as number) * w;
      }
      const o = (yy * width + xx) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { data: out, width, height };
}

/** Resizes 8-bit RGB to `width` x `height` exactly as Pillow's `Image.resize(size, filter)` does. */
export function resizePil(image: RgbImage, width: number, height: number, filter: PilFilter): RgbImage {
  let out = image;
  if (width !== image.width) out = horizontal(out, width, coefficients(image.width, width, filter));
  if (height !== image.height) out = vertical(out, height, coefficients(image.height, height, filter));
  return out;
}
