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
  const src = image.data;
  const out = inPlace ? src : new Uint8Array(src.length);
  const alpha = mask.data;
  const [br, bg, bb] = background;
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
  return { data: out, width: image.width, height: image.height };
}

/** Fraction of mask pixels at or above half opacity. */
export function garmentFraction(mask: Mask): number {
  const { data } = mask;
  let n = 0;
  for (let i = 0; i < data.length; i++) if ((data[i] as number) >= 128) n++;
  return data.length === 0 ? 0 : n / data.length;
}
