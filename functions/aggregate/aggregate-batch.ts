import { InputError, ModelMismatchError } from '#core/errors.ts';
import { zeroFailureCounts } from '#core/failure-reasons.ts';
import type { EmbedSettings, ProductImageVectors } from '#core/ports/vector-store.ts';
import type { AutoTags, EmbeddedImage, ProductRecord } from '#core/types.ts';
import { decodeVector } from '#core/vector-codec.ts';
import { meanOfUnitVectors } from '#core/vectors.ts';
import type { BatchTally } from './summary.ts';
import type { EmbeddedBatch, EmbeddedProduct, SkipReason } from './types.ts';

/** Where a batch sits in its run, and what the run has stored so far. */
export interface BatchContext {
  key: string;
  runId: string;
  modelId: string;
  dim: number;
  /** Product ids already stored by this run, with the key of the batch that stored each. */
  stored: ReadonlyMap<string, string>;
  /** The settings recorded with each product's per-image vectors (default: the model id alone). */
  settings?: EmbedSettings;
  /** Auto-tags a product vector (functions/aggregate/tagging.ts); without it products are stored untagged. */
  tag?: (vector: Float32Array) => AutoTags;
}

/** A valid batch turned into product records, with what it adds to the run's summary. */
export interface AggregatedBatch {
  /** Every product this batch contributes (stored or skipped), duplicates excluded. */
  ids: string[];
  records: ProductRecord[];
  /** The per-image unit vectors of each stored record, in the same order as `records`. */
  imageVectors: ProductImageVectors[];
  tally: BatchTally;
  /** Products left out because an earlier batch (or an earlier entry of this one) already has them. */
  duplicates: { id: string; keptFrom: string }[];
}

/**
 * Checks that the batch belongs to the run (InputError) and was embedded with the store's model
 * (ModelMismatchError, which must stop the run).
 */
export function checkBatchOrigin(batch: EmbeddedBatch, ctx: BatchContext): void {
  if (batch.runId !== ctx.runId) {
    throw new InputError(`batch ${ctx.key} belongs to run ${batch.runId}, not to run ${ctx.runId}`);
  }
  if (batch.model !== ctx.modelId || batch.dim !== ctx.dim) {
    throw new ModelMismatchError(
      `batch ${ctx.key} of run ${ctx.runId} was embedded with model ${batch.model} (dim ${batch.dim}); ` +
        `this aggregate stores ${ctx.modelId} (dim ${ctx.dim}); re-embed the run or configure ${batch.model}`,
    );
  }
}

/** Averages each product's image vectors into one record; throws InputError when any product is invalid. */
export function aggregateBatch(batch: EmbeddedBatch, ctx: BatchContext): AggregatedBatch {
  const out: AggregatedBatch = {
    ids: [],
    records: [],
    imageVectors: [],
    tally: {
      productsStored: 0,
      productsSkipped: [],
      failedImages: [],
      keptImages: [],
      productsPartial: 0,
      images: { total: 0, ok: 0, failed: zeroFailureCounts(), deferred: 0, reused: 0 },
    },
    duplicates: [],
  };
  const here = new Set<string>();
  for (const product of batch.products) {
    const keptFrom = ctx.stored.get(product.id) ?? (here.has(product.id) ? ctx.key : undefined);
    if (keptFrom !== undefined) {
      out.duplicates.push({ id: product.id, keptFrom });
      continue;
    }
    here.add(product.id);
    out.ids.push(product.id);
    const aggregated = aggregateProduct(
      product,
      ctx,
      `batch ${ctx.key} product ${JSON.stringify(product.id)}`,
      out.tally,
    );
    if (aggregated) {
      out.records.push(aggregated.record);
      const settings = ctx.settings ?? { embedModel: ctx.modelId };
      out.imageVectors.push({ id: product.id, images: aggregated.images, settings });
    }
  }
  out.tally.productsStored = out.records.length;
  return out;
}

function aggregateProduct(
  product: EmbeddedProduct,
  { dim, tag }: Pick<BatchContext, 'dim' | 'tag'>,
  where: string,
  tally: BatchTally,
): { record: ProductRecord; images: ProductImageVectors['images'] } | null {
  const reasons: SkipReason[] = [];
  const embedded: { index: number; image: EmbeddedImage }[] = [];
  product.images.forEach((image, i) => {
    if (image.waitedMs) tally.images.deferred++;
    if (image.status === 'embedded') {
      if (image.reused) tally.images.reused++;
      if (image.kept) {
        tally.images.kept = (tally.images.kept ?? 0) + 1;
        const entry = { productId: product.id, index: i, url: image.url };
        tally.keptImages?.push({ ...entry, ...(image.detail && { detail: image.detail }) });
      }
      embedded.push({ index: i, image });
      return;
    }
    if (image.status !== 'failed') {
      throw new InputError(
        `${where} image ${i} (${image.url}) is ${image.status}; the embed stage must leave every image embedded or failed with a reason`,
      );
    }
    reasons.push(image.reason);
    tally.images.failed[image.reason]++;
    tally.failedImages?.push({
      productId: product.id,
      index: i,
      url: image.url,
      reason: image.reason,
      ...(image.detail && { detail: image.detail }),
    });
  });
  const ok = embedded.length;
  tally.images.total += product.images.length;
  tally.images.ok += ok;
  if (ok === 0) {
    tally.productsSkipped.push({ id: product.id, reasons: reasons.length > 0 ? reasons : ['no_images'] });
    return null;
  }
  if (ok < product.images.length) tally.productsPartial++;
  // Each vector travels with its image: the per-image vectors keep their catalog index.
  const images = embedded.map(({ index, image }) => {
    const vector = decodeVector(image.vector, { dim, where: `${where} image ${index} vector` });
    if (vector.every((x) => x === 0)) throw new InputError(`${where} image ${index} vector is all zeros`);
    return { index, vector };
  });
  const mean = meanOfUnitVectors(images.map((i) => i.vector));
  if (mean.every((x) => x === 0)) throw new InputError(`${where}: its image vectors cancel out`);
  // Zero-shot tags from the product vector, kept apart from the catalog's metadata.
  const autoTags = tag?.(mean);
  const record: ProductRecord = {
    id: product.id,
    vector: mean,
    images: product.images.map((image) => image.url),
    maskedKeys: product.images.map((image) => (image.status === 'embedded' ? image.maskedKey : undefined)),
    metadata: product.metadata,
    imagesUsed: ok,
    ...(autoTags && Object.keys(autoTags).length > 0 && { autoTags }),
  };
  return { record, images };
}
