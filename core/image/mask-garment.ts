import type { Mask, RgbImage, Segmenter } from '#core/ports/models.ts';
import { decodeToRgb, orientedSize } from './codec.ts';
import { garmentFraction, MIN_GARMENT_FRACTION } from './composite.ts';

/** Longest side an original is shrunk to for a segmenter that does not say its input size. */
export const SEGMENT_MAX_SIDE = 1024;

/** What decoding an original for the segmenter needs. */
export interface SegmentDecodeOptions {
  maxPixels: number;
  /** Colour transparent pixels are flattened onto (the background colour). */
  background: readonly [number, number, number];
}

/**
 * Decodes an original for the segmenter. A photo at least as large as the model's square on both sides (catalog
 * photos are) decodes straight to the square in one libvips pipeline (shrink-on-load, lanczos3, transparency
 * on the background): when shrinking, libvips' lanczos3 is within a few levels of rembg's Pillow resize of the
 * full photo, and several times cheaper than Pillow's arithmetic in JS. A smaller photo decodes at its own size
 * and the segmenter enlarges it with Pillow's arithmetic, because libvips enlarges with another phase
 * (test/models/preprocessing-conformance.test.ts measures both); but a long side over 4 squares is shrunk by
 * libvips first, so that the work in JS stays within the square.
 */
export async function decodeForSegmentation(
  bytes: Uint8Array,
  segmenter: Pick<Segmenter, 'inputSize'>,
  options: SegmentDecodeOptions,
): Promise<RgbImage> {
  const size = segmenter.inputSize;
  if (!size) return decodeToRgb(bytes, { ...options, maxSide: SEGMENT_MAX_SIDE });
  const { width, height } = await orientedSize(bytes, options.maxPixels);
  const square = { width: size, height: size, kernel: 'lanczos3' as const };
  if (Math.min(width, height) >= size) return decodeToRgb(bytes, { ...options, size: square });
  // A strip far longer than the square (700 x 70,000, say) has that side shrunk to the square by libvips here:
  // the segmenter's resize in JS, on the main thread, would otherwise widen every one of its rows first.
  if (Math.max(width, height) > STRIP_SHRUNK_OVER * size) {
    const strip = {
      width: Math.min(width, size),
      height: Math.min(height, size),
      kernel: 'lanczos3' as const,
    };
    return decodeToRgb(bytes, { ...options, size: strip });
  }
  return decodeToRgb(bytes, options);
}

/** A photo smaller than the segmenter's square on one side and over this many squares long on the other. */
const STRIP_SHRUNK_OVER = 4;

/** Finds the garment: its mask at the segmenter's resolution, and whether enough of the image is garment. */
export async function findGarment(
  rgb: RgbImage,
  segmenter: Segmenter,
): Promise<{ mask: Mask; garmentFound: boolean }> {
  const mask = await segmenter.segment(rgb);
  return { mask, garmentFound: garmentFraction(mask) >= MIN_GARMENT_FRACTION };
}
