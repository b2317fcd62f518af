import type { Mask, RgbImage } from '#core/ports/models.ts';

/** Share of pixels that must be garment for the mask to count as "garment found". */
export const MIN_GARMENT_FRACTION = 0.005;

/**
 * Blends `image` over a flat `background` colour using `mask` as alpha (255 keeps the image pixel). With
 * `inPlace`, writes into `image.data` (for a caller that owns it) instead of allocating a copy.
 */
export function compositeOnBackground(
  image: RgbImage,
  mask: Mask,
  background: readonly [number, number, number],
  inPlace = false,
): RgbImage {
  if (mask.width !== image.width || mask.height !== image.height) {
    throw new RangeError(`mask is ${mask.width}x${mask.height} but image is ${image.width}x${image.height}`);
  }
  const out = inPlace ? image.data : new Uint8Array(image.data.length);
  blend(image.data, mask.data, out, inPlace, background[0], background[1], background[2]);
  return { data: out, width: image.width, height: image.height };
}

// The per-pixel loops are kernels of their own, so each is optimized whole rather than on-stack inside a larger
// function, where the code after the loop lacks type feedback and deoptimizes it at every image.

function blend(
  src: Uint8Array,
  alpha: Uint8Array,
  out: Uint8Array,
  inPlace: boolean,
  br: number,
  bg: number,
  bb: number,
): void {
  for (let p = 0, i = 0; p < alpha.length; p++, i += 3) {
    const m = alpha[p] as number;
    if (m === 255) {
      if (!inPlace) {
        out[i] = src[i] as number;
        out[i + 1] = src[i + 1] as number;
        out[i + 2] = src[i + 2] as number;
      }
    } else if (m === 0) {
      out[i] = br;
      out[i + 1] = bg;
      out[i + 2] = bb;
    } else {
      const a = m / 255;
      out[i] = Math.round((src[i] as number) * a + br * (1 - a));
      out[i + 1] = Math.round((src[i + 1] as number) * a + bg * (1 - a));
      out[i + 2] = Math.round((src[i + 2] as number) * a + bb * (1 - a));
    }
  }
}

/** Fraction of mask pixels at or above half opacity. */
export function garmentFraction(mask: Mask): number {
  const { data } = mask;
  if (data.length === 0) return 0;
  // Four pixels at a time where the bytes are 4-aligned: the high bit of each byte is "at or above 128".
  const head = Math.min((4 - (data.byteOffset % 4)) % 4, data.length);
  const words = Math.floor((data.length - head) / 4);
  const n =
    countHigh(data, 0, head) +
    (words > 0 ? countHighWords(new Uint32Array(data.buffer, data.byteOffset + head, words)) : 0) +
    countHigh(data, head + words * 4, data.length);
  return n / data.length;
}

/** Bytes at or above 128 in [from, to). */
function countHigh(data: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if ((data[i] as number) >= 128) n++;
  return n;
}

/** Bytes at or above 128 in words of four. */
function countHighWords(words: Uint32Array): number {
  let n = 0;
  for (let w = 0; w < words.length; w++) {
    const v = (words[w] as number) & 0x80808080;
    if (v !== 0) n += ((v >>> 7) & 1) + ((v >>> 15) & 1) + ((v >>> 23) & 1) + (v >>> 31);
  }
  return n;
}
