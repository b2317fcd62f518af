import { batchDigest } from '#core/batch-digest.ts';
import { chunk } from '#core/chunk.ts';
import type { EmbeddedBatch, EmbeddedProduct } from '#core/contracts/embedded-batch.ts';
import { embeddedKey, isMaskKey } from '#core/contracts/run-layout.ts';
import { environmentFaultOf } from '#core/env-fault.ts';
import { errorDetail } from '#core/failure-reasons.ts';
import { decodeForEmbedding } from '#core/image/embed-input.ts';
import { cutoutForEmbedding } from '#core/image/prepare.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { ImageEmbedder, RgbImage } from '#core/ports/models.ts';
import {
  type Batch,
  type DownloadedImage,
  failImage,
  type ImageRecord,
  type MaskedImage,
} from '#core/types.ts';
import { encodeVector } from '#core/vector-codec.ts';
import { VectorCache } from './vector-cache.ts';

/** What the embed stage needs. */
export interface EmbedDeps {
  blobs: BlobStore;
  embedder: ImageEmbedder;
  maxPixels: number;
  /** The flat colour around a cut-out garment (THREADFINDER_BACKGROUND): the segment stage's colour. */
  background: readonly [number, number, number];
  /** Images per model call. */
  batchSize?: number;
  /**
   * The embedding cache (vector-cache.ts): `settings` names what changes the embedder's input besides the
   * content-addressed keys (background, fit). Without it every image is embedded.
   */
  vectorCache?: { settings: string };
  /** Called once per image with its final status, after the batch's embeddings are stored. */
  onImage?: (image: ImageRecord) => void;
}

/** What the embed stage returns to the orchestrator: small enough for any state payload. */
export interface EmbedResult {
  runId: string;
  /** Blob key of the EmbeddedBatch that the aggregate step reads. */
  key: string;
  products: number;
  imagesOk: number;
  imagesFailed: number;
  /** Ok images whose vector came from the embedding cache. */
  imagesReused: number;
}

/** Blob key of a batch's embeddings: stable for the same run and products, so a retry overwrites. */
export function embeddedBatchKey(runId: string, productIds: string[]): string {
  return embeddedKey(runId, batchDigest(productIds));
}

/**
 * What the embedder is given for an image: the cut-out made from its original and mask (the garment on the
 * flat colour, at the embedder's size); a cut-out stored before masks as it is; the original when the run
 * skipped segmentation or no garment was found.
 */
async function embedInput(image: DownloadedImage | MaskedImage, deps: EmbedDeps): Promise<RgbImage> {
  const { blobs, maxPixels, embedder } = deps;
  if (image.status === 'masked' && !isMaskKey(image.maskedKey)) {
    return decodeForEmbedding(await blobs.get(image.maskedKey), maxPixels, embedder);
  }
  const original = await blobs.get(image.originalKey);
  if (image.status === 'downloaded') return decodeForEmbedding(original, maxPixels, embedder);
  const mask = image.garmentFound ? await blobs.get(image.maskedKey) : undefined;
  return cutoutForEmbedding(original, mask, { maxPixels, background: deps.background, embedder });
}

/**
 * Embeds every masked image of a batch and writes the vectors, with image statuses, to the blob store. An image
 * that cannot be read or decoded is recorded as failed; an environment fault (disk full, ...) fails the batch.
 */
export async function runEmbed(batch: Batch, deps: EmbedDeps): Promise<EmbedResult> {
  const jobs: {
    product: number;
    image: number;
    source: DownloadedImage | MaskedImage;
    rgb: RgbImage;
    cacheKey?: string;
  }[] = [];
  const cache = deps.vectorCache
    ? new VectorCache(deps.blobs, deps.embedder.modelId, deps.embedder.dim, deps.vectorCache.settings)
    : undefined;
  const products: EmbeddedProduct[] = batch.items.map((p) => ({
    id: p.id,
    metadata: p.metadata,
    images: p.images.map((i) => ({ ...i })),
  }));
  for (const [pi, product] of products.entries()) {
    for (const [ii, image] of product.images.entries()) {
      // A masked image is embedded as masked; a downloaded one as it is (a run without segmentation).
      if (image.status !== 'masked' && image.status !== 'downloaded') continue;
      try {
        const cacheKey = cache?.keyOf(image);
        const cached = cacheKey ? await cache?.get(cacheKey) : undefined;
        if (cached) {
          product.images[ii] = { ...image, status: 'embedded', vector: encodeVector(cached), reused: true };
          continue;
        }
        const rgb = await embedInput(image, deps);
        jobs.push({ product: pi, image: ii, source: image, rgb, ...(cacheKey && { cacheKey }) });
      } catch (error) {
        const fault = environmentFaultOf(error);
        if (fault) throw fault;
        product.images[ii] = failImage(image, 'embed_failed', errorDetail(error));
      }
    }
  }
  for (const group of chunk(jobs, deps.batchSize ?? 16)) {
    const vectors = await deps.embedder.embedImages(group.map((j) => j.rgb));
    for (const [n, job] of group.entries()) {
      const vector = vectors[n];
      const images = (products[job.product] as EmbeddedProduct).images;
      if (!vector?.every(Number.isFinite)) {
        images[job.image] = failImage(job.source, 'embed_failed', 'model returned no finite vector');
        continue;
      }
      images[job.image] = { ...job.source, status: 'embedded', vector: encodeVector(vector) };
      if (cache && job.cacheKey) await cache.put(job.cacheKey, vector);
    }
  }
  let imagesOk = 0;
  let imagesFailed = 0;
  let imagesReused = 0;
  for (const product of products) {
    for (const image of product.images) {
      if (image.status !== 'embedded') {
        imagesFailed++;
        continue;
      }
      imagesOk++;
      if (image.reused) imagesReused++;
    }
  }
  const embedded: EmbeddedBatch = {
    runId: batch.runId,
    model: deps.embedder.modelId,
    dim: deps.embedder.dim,
    products,
  };
  const key = embeddedBatchKey(
    batch.runId,
    batch.items.map((p) => p.id),
  );
  await deps.blobs.put(key, new TextEncoder().encode(JSON.stringify(embedded)), 'application/json');
  // Reported only once the batch is durable, so a retried batch is never counted twice.
  for (const image of products.flatMap((p) => p.images)) deps.onImage?.(image);
  return { runId: batch.runId, key, products: products.length, imagesOk, imagesFailed, imagesReused };
}
