import { createHash } from 'node:crypto';
import { contentHashOf, embeddingKey } from '#core/contracts/run-layout.ts';
import { environmentFaultOf } from '#core/env-fault.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { DownloadedImage, MaskedImage } from '#core/types.ts';

/** How far a cached vector's norm may be from 1 before it counts as damaged. */
const UNIT_TOLERANCE = 1e-3;

/**
 * The version of the code that turns an original and its mask into the embedder's input (core/image/: the
 * cut-out, its size, the resampling). Part of every digest: bump it when that code changes what the embedder
 * sees, and no vector made the old way is reused.
 */
// 2: the cut-out is decoded at the embedder's own size in libvips (cubic) instead of at 512 px and resized in JS.
export const PREPARATION_VERSION = 2;

/**
 * The embedding cache: an image's vector stored under the digest of what produced it. Originals and masks are
 * content-addressed, so their keys stand for their bytes; the model id, the settings that change the
 * embedder's input (background, fit) and PREPARATION_VERSION complete the digest. Vectors are little-endian
 * float32. The cache never costs an image: an unreadable, wrong-sized or non-unit entry is a miss, and a write
 * that fails is skipped; only an environment fault (disk full, ...) is thrown, as everywhere else.
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
      .update(
        JSON.stringify([PREPARATION_VERSION, this.modelId, this.settings, image.originalKey, ...source]),
      )
      .digest('hex');
    return embeddingKey(this.modelId, contentHashOf(image.originalKey), digest);
  }

  /** The cached vector, or undefined (never cached, unreadable now, or unusable). */
  async get(key: string): Promise<Float32Array | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = await this.blobs.get(key);
    } catch (error) {
      const fault = environmentFaultOf(error);
      if (fault) throw fault;
      return undefined;
    }
    if (bytes.byteLength !== this.dim * 4) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const vector = new Float32Array(this.dim);
    let sum = 0;
    for (let i = 0; i < this.dim; i++) {
      const x = view.getFloat32(i * 4, true);
      vector[i] = x;
      sum += x * x;
    }
    // The embedder gives unit vectors: anything else was damaged (or written by something else) and is a miss.
    return Number.isFinite(sum) && Math.abs(Math.sqrt(sum) - 1) <= UNIT_TOLERANCE ? vector : undefined;
  }

  /** Keeps `vector` under `key`; a failed write is skipped (the vector is in the batch anyway). */
  async put(key: string, vector: Float32Array): Promise<void> {
    const bytes = new Uint8Array(vector.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i] as number, true);
    try {
      await this.blobs.put(key, bytes, 'application/octet-stream');
    } catch (error) {
      const fault = environmentFaultOf(error);
      if (fault) throw fault;
    }
  }
}
