import type { Mask, RgbImage, Segmenter } from '#core/ports/models.ts';
import { compositeOnBackground, garmentFraction, MIN_GARMENT_FRACTION } from './composite.ts';

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

/**
 * Replaces the background of a decoded image with a flat colour, in memory (a search by photo); when the
 * segmenter finds too little garment, the image is returned unchanged with `garmentFound: false`.
 */
export async function maskGarment(
  rgb: RgbImage,
  segmenter: Segmenter,
  background: readonly [number, number, number],
): Promise<{ masked: RgbImage; garmentFound: boolean }> {
  const { mask, garmentFound } = await findGarment(rgb, segmenter);
  if (!garmentFound) return { masked: rgb, garmentFound: false };
  return { masked: compositeOnBackground(rgb, mask, background), garmentFound: true };
}
