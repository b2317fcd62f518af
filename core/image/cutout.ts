import sharp from 'sharp';
import type { Mask, RgbImage } from '#core/ports/models.ts';
import { type DecodeOptions, decodeToRgb } from './codec.ts';
import { compositeOnBackground } from './composite.ts';

/**
 * How a cut-out is made from an original and its garment mask: its size (a longest side, never enlarged, or an
 * exact size), at which the original is decoded (shrink-on-load); the flat colour around the garment.
 */
export type CutoutOptions = DecodeOptions & { background: readonly [number, number, number] };

/**
 * A garment mask as a one-channel PNG: a few KB where the cut-out it replaces took hundreds. zlib level 6: at
 * 768x768, 9 KB in 3 ms of CPU, where level 9 takes 9 ms for 4 KB.
 */
export async function encodeMask(mask: Mask): Promise<Uint8Array> {
  const raw = { width: mask.width, height: mask.height, channels: 1 as const };
  const buf = await sharp(mask.data, { raw }).toColourspace('b-w').png({ compressionLevel: 6 }).toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/**
 * The garment on the flat colour, made on demand from the original and its stored mask: the original decodes
 * at the cut-out's size (decodeToRgb, shrink-on-load), the mask is resized to it (its soft edges kept, as a
 * downscaled cut-out had them) and is the alpha compositeOnBackground blends with. Without a mask (no garment
 * found), the original on the background.
 */
export async function cutout(
  original: Uint8Array,
  mask: Uint8Array | undefined,
  options: CutoutOptions,
): Promise<RgbImage> {
  const rgb = await decodeToRgb(original, options);
  const { width, height } = rgb;
  if (!mask) return rgb;
  const alpha = await sharp(mask, { limitInputPixels: options.maxPixels })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  // The decoded pixels are this call's own: blend in place.
  return compositeOnBackground(rgb, { data: alpha, width, height }, options.background, true);
}
