import type { RgbImage, Segmenter } from '#core/ports/models.ts';
import { compositeOnBackground, garmentFraction, MIN_GARMENT_FRACTION } from './composite.ts';

/** Longest side an original is shrunk to before segmentation. */
export const SEGMENT_MAX_SIDE = 1024;

/**
 * Replaces the background of a decoded image with a flat colour; when the segmenter finds too little garment,
 * the image is returned unchanged with `garmentFound: false`.
 */
export async function maskGarment(
  rgb: RgbImage,
  segmenter: Segmenter,
  background: readonly [number, number, number],
): Promise<{ masked: RgbImage; garmentFound: boolean }> {
  const mask = await segmenter.segment(rgb);
  if (garmentFraction(mask) < MIN_GARMENT_FRACTION) return { masked: rgb, garmentFound: false };
  return { masked: compositeOnBackground(rgb, mask, background), garmentFound: true };
}
