import type { RgbImage } from '#core/ports/models.ts';
import { decodeToRgb } from './codec.ts';

/** Longest side a masked image is shrunk to before embedding. */
export const EMBED_MAX_SIDE = 512;

/** Decodes a stored masked (or original) image into what the embedder is given. */
export function decodeForEmbedding(bytes: Uint8Array, maxPixels: number): Promise<RgbImage> {
  return decodeToRgb(bytes, { maxPixels, maxSide: EMBED_MAX_SIDE });
}
