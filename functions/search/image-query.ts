import { InputError } from '#core/errors.ts';
import { checkImage } from '#core/image/check.ts';
import { prepareImage } from '#core/image/prepare.ts';
import type { ImageEmbedder, RgbImage, Segmenter } from '#core/ports/models.ts';
import { RequestError } from './request-error.ts';

/** How a query image is turned into what the embedder sees, exactly as a catalog image is. */
export interface ImagePreparation {
  segmenter: Segmenter;
  /** The flat colour that replaces the background (THREADFINDER_BACKGROUND). */
  background: readonly [number, number, number];
  maxPixels: number;
  /** The embedder the image is prepared for: it may ask for the size to decode at. */
  embedder?: ImageEmbedder;
}

/**
 * Checks untrusted bytes the way the download stage does (content type, magic bytes, pixel cap, full decode)
 * and throws InputError (`not_an_image`, `too_many_pixels`) when they are no usable image.
 */
export async function assertImage(
  bytes: Uint8Array,
  contentType: string | undefined,
  maxPixels: number,
): Promise<void> {
  const check = await checkImage(bytes, contentType, { maxPixels });
  if (check.ok) return;
  if (check.reason === 'too_many_pixels') {
    throw new RequestError(413, `the image has too many pixels: ${check.detail}`, 'too_many_pixels');
  }
  throw new InputError(`not a usable image: ${check.detail}`, 'not_an_image');
}

/** The catalog path for one image, in memory (core/image/prepare.ts): the pixels the embed stage would embed. */
export async function prepareForEmbedding(bytes: Uint8Array, prep: ImagePreparation): Promise<RgbImage> {
  return (await prepareImage(bytes, prep.segmenter, prep)).image;
}

/** Embeds a prepared image; throws when the model gives no finite vector. */
export async function embedPrepared(image: RgbImage, embedder: ImageEmbedder): Promise<Float32Array> {
  const [vector] = await embedder.embedImages([image]);
  if (!vector || vector.length !== embedder.dim || !vector.every(Number.isFinite)) {
    throw new Error(`image embedder ${embedder.modelId} returned no finite ${embedder.dim}-d vector`);
  }
  return vector;
}
