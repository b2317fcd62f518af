import { createHash } from 'node:crypto';
import { contentHashOf, embeddingKey } from '#core/contracts/run-layout.ts';
import { BlobNotFoundError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { DownloadedImage, MaskedImage } from '#core/types.ts';

/** How far a cached vector's norm may be from 1 before it counts as damaged. */
const UNIT_TOLERANCE = 1e-3;

/**
 * The embedding cache: an image's vector stored under the digest of what produced it. Originals and masks are
 * content-addressed, so their keys stand for their bytes; the model id and the settings that change the
 * embedder's input (background, fit) complete the digest. An unreadable or wrong-sized entry is a miss.
 */
export class VectorCache {
  constructor(
    private readonly blobs: BlobStore,
    private readonly modelId: string,
    private readonly dim: number,
    /** Settings that change the embedder's input, as text (e.g. the background colour and the fit). */
    private readonly settings: string,
  ) {}

  /** The cache key of an image's vector. */
  keyOf(image: DownloadedImage | MaskedImage): string {
    const source = image.status === 'masked' ? [image.maskedKey, image.garmentFound] : ['unmasked'];
    const digest = createHash('sha256')
      .update(JSON.stringify([this.modelId, this.settings, image.originalKey, ...source]))
      .digest('hex');
    return embeddingKey(this.modelId, contentHashOf(image.originalKey), digest);
  }

  /** The cached vector, or undefined (never cached, or unusable). */
  async get(key: string): Promise<Float32Array | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = await this.blobs.get(key);
    } catch (error) {
      if (error instanceof BlobNotFoundError) return undefined;
      throw error;
    }
    if (bytes.byteLength !== this.dim * 4) return undefined;
    const vector = new Float32Array(this.dim);
    new Uint8Array(vector.buffer).set(bytes);
    // The embedder gives unit vectors: anything else was damaged (or written by something else) and is a miss.
    let sum = 0;
    for (let i = 0; i < vector.length; i++) sum += (vector[i] as number) * (vector[i] as number);
    return Number.isFinite(sum) && Math.abs(Math.sqrt(sum) - 1) <= UNIT_TOLERANCE ? vector : undefined;
  }

  async put(key: string, vector: Float32Array): Promise<void> {
    const bytes = new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength).slice();
    await this.blobs.put(key, bytes, 'application/octet-stream');
  }
}
