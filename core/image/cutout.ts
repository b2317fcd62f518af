import sharp from 'sharp';
import type { Mask, RgbImage } from '#core/ports/models.ts';

/** How a cut-out is made from an original and its garment mask. */
export interface CutoutOptions {
  /** Refuse images with more pixels than this (decompression bombs). */
  maxPixels: number;
  /** Longest side of the cut-out (never enlarged); the original is decoded at that size (shrink-on-load). */
  maxSide: number;
  /** The flat colour around the garment. */
  background: readonly [number, number, number];
}

/** A garment mask as a one-channel PNG: a few KB where the cut-out it replaces took hundreds. */
export async function encodeMask(mask: Mask): Promise<Uint8Array> {
  const raw = { width: mask.width, height: mask.height, channels: 1 as const };
  const buf = await sharp(mask.data, { raw }).toColourspace('b-w').png({ compressionLevel: 9 }).toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/**
 * The garment on the flat colour, made on demand from the original and its stored mask, in libvips: the
 * original decodes at the cut-out's size, the mask is resized to it (its soft edges kept, as a downscaled
 * cut-out had them) and is the alpha of one pass over the pixels onto the background. Without a mask (no garment
 * found), the original on the background.
 */
export async function cutout(
  original: Uint8Array,
  mask: Uint8Array | undefined,
  options: CutoutOptions,
): Promise<RgbImage> {
  const [r, g, b] = options.background;
  const background = { r, g, b };
  const image = await sharp(original, { limitInputPixels: options.maxPixels })
    .rotate()
    .resize({ width: options.maxSide, height: options.maxSide, fit: 'inside', withoutEnlargement: true })
    .flatten({ background })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = image.info;
  let rgb: Buffer = image.data;
  if (mask) {
    const alpha = await sharp(mask, { limitInputPixels: options.maxPixels })
      .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
      .extractChannel(0)
      .raw()
      .toBuffer();
    rgb = overBackground(image.data, alpha, options.background);
  }
  return { data: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length), width, height };
}

/** `rgb` over the flat colour with `alpha` (one byte per pixel), in place; one pass, integer arithmetic. */
function overBackground(rgb: Buffer, alpha: Buffer, background: readonly [number, number, number]): Buffer {
  const [br, bg, bb] = background;
  for (let p = 0, i = 0; p < alpha.length; p++, i += 3) {
    const a = alpha[p] as number;
    if (a === 255) continue;
    const k = 255 - a;
    rgb[i] = ((rgb[i] as number) * a + br * k + 127) / 255;
    rgb[i + 1] = ((rgb[i + 1] as number) * a + bg * k + 127) / 255;
    rgb[i + 2] = ((rgb[i + 2] as number) * a + bb * k + 127) / 255;
  }
  return rgb;
}
