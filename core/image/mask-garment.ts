import type { Mask, RgbImage, Segmenter } from '#core/ports/models.ts';
import { garmentFraction, MIN_GARMENT_FRACTION } from './composite.ts';

/** Longest side an original is shrunk to before segmentation. */
export const SEGMENT_MAX_SIDE = 1024;

/** Finds the garment: its mask at the image's size, and whether enough of the image is garment. */
export async function findGarment(
  rgb: RgbImage,
  segmenter: Segmenter,
): Promise<{ mask: Mask; garmentFound: boolean }> {
  const mask = await segmenter.segment(rgb);
  return { mask, garmentFound: garmentFraction(mask) >= MIN_GARMENT_FRACTION };
}
