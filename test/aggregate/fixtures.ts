import type { FailureReason, ImageRecord } from '#core/types.ts';
import { encodeVector } from '#core/vector-codec.ts';
import { normalize } from '#core/vectors.ts';
import type { BatchSource, EmbeddedBatch, EmbeddedProduct } from '#functions/aggregate/types.ts';

/** The model the aggregate tests bind to. */
export const MODEL = { modelId: 'test/fashion-4d', dim: 4 };

/** An image that was embedded to `vector`, or one that failed with `reason`. */
export type ImageSpec = { vector: number[] } | { reason: FailureReason };

/** An embedded product whose images follow `specs`, in catalog order. */
export function embeddedProduct(id: string, specs: ImageSpec[], metadata = { name: id }): EmbeddedProduct {
  const images: ImageRecord[] = specs.map((spec, i) => {
    const url = `https://img.example/${id}/${i}.jpg`;
    return 'vector' in spec
      ? {
          url,
          status: 'embedded',
          originalKey: `originals/${id}-${i}.jpg`,
          maskedKey: `masked/${id}-${i}.png`,
          vector: encodeVector(normalize(spec.vector)),
        }
      : { url, status: 'failed', reason: spec.reason, detail: 'test' };
  });
  return { id, metadata, images };
}

/** A batch of the test model. */
export function batch(runId: string, products: EmbeddedProduct[], model = MODEL.modelId): EmbeddedBatch {
  return { runId, model, dim: MODEL.dim, products };
}

/** Batch sources over ready batches, keyed `<prefix><index>`. */
export function sources(batches: EmbeddedBatch[], prefix = 'b'): BatchSource[] {
  return batches.map((b, i) => ({ key: `${prefix}${i}`, read: async () => b }));
}

/** A source whose read fails the way a corrupt blob does. */
export function failingSource(key: string, error: Error): BatchSource {
  return { key, read: () => Promise.reject(error) };
}
