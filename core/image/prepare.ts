import type { RgbImage, Segmenter } from '#core/ports/models.ts';
import { cutout, encodeMask } from './cutout.ts';
import { type EmbedDecoder, embedDecodeOptions } from './embed-input.ts';
import { decodeForSegmentation, findGarment } from './mask-garment.ts';

/** What turning an image into the embedder's input needs. */
export interface PreparationOptions {
  maxPixels: number;
  /** The flat colour around the garment (THREADFINDER_BACKGROUND). */
  background: readonly [number, number, number];
  /** The embedder the cut-out is for: it may ask for the size to decode at. */
  embedder?: EmbedDecoder;
}

/**
 * The embedder's input from an original and its stored mask (undefined: no garment found): the segment and
 * embed stages' path, which a search by photo repeats in memory (prepareImage) to get the very same pixels.
 */
export async function cutoutForEmbedding(
  original: Uint8Array,
  mask: Uint8Array | undefined,
  options: PreparationOptions,
): Promise<RgbImage> {
  const { maxPixels, background } = options;
  const decode = await embedDecodeOptions(original, options.embedder, { maxPixels, background });
  return cutout(original, mask, { ...decode, background });
}

/**
 * The catalog path for one image, in memory: decode (shrunk for the segmenter, transparency on the background
 * colour), segment, and make the cut-out from the original and the mask exactly as the embed stage does.
 */
export async function prepareImage(
  bytes: Uint8Array,
  segmenter: Segmenter,
  options: PreparationOptions,
): Promise<{ image: RgbImage; garmentFound: boolean }> {
  const rgb = await decodeForSegmentation(bytes, segmenter, options);
  const { mask, garmentFound } = await findGarment(rgb, segmenter);
  const image = await cutoutForEmbedding(bytes, garmentFound ? await encodeMask(mask) : undefined, options);
  return { image, garmentFound };
}
