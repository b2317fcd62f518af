import type { ImageEmbedder, RgbImage } from '#core/ports/models.ts';
import { type DecodeOptions, decodeToRgb, orientedSize } from './codec.ts';

/** Longest side an image is decoded at for an embedder that cannot say its size (it resizes the rest itself). */
export const EMBED_MAX_SIDE = 512;

/** What an embedder's input needs to be decoded: the size it asks for, if it says. */
export type EmbedDecoder = Pick<ImageEmbedder, 'decodeSize'>;

/**
 * How to decode a photo for `embedder`: straight to the size it asks for, in libvips with the cubic kernel
 * (Catmull-Rom, the same kernel as Pillow's BICUBIC, widened when shrinking as Pillow's is), so that the
 * embedder resizes nothing in JS; else shrunk to EMBED_MAX_SIDE for the embedder to resize with Pillow's
 * arithmetic (test/models/preprocessing-conformance.test.ts measures both against the authors' Python).
 */
export async function embedDecodeOptions(
  bytes: Uint8Array,
  embedder: EmbedDecoder | undefined,
  options: Omit<DecodeOptions, 'maxSide' | 'size'>,
): Promise<DecodeOptions> {
  if (embedder?.decodeSize) {
    const { width, height } = await orientedSize(bytes, options.maxPixels);
    const size = width > 0 && height > 0 ? embedder.decodeSize(width, height) : undefined;
    if (size) return { ...options, size: { ...size, kernel: 'cubic' } };
  }
  return { ...options, maxSide: EMBED_MAX_SIDE };
}

/** Decodes a stored masked (or original) image into what the embedder is given. */
export async function decodeForEmbedding(
  bytes: Uint8Array,
  maxPixels: number,
  embedder?: EmbedDecoder,
): Promise<RgbImage> {
  return decodeToRgb(bytes, await embedDecodeOptions(bytes, embedder, { maxPixels }));
}
