import { InputError, ModelMismatchError } from '../../core/errors.ts';
import type { VectorStore } from '../../core/ports/vector-store.ts';
import type { ProductRecord } from '../../core/types.ts';
import { decodeVector } from '../../core/vector-codec.ts';
import { meanOfUnitVectors } from '../../core/vectors.ts';
import { zeroFailureCounts } from './failure-counts.ts';
import type { AggregateSummary, EmbeddedBatch, EmbeddedProduct, SkipReason } from './types.ts';

/** What the aggregate stage needs. */
export interface AggregateDeps {
  store: VectorStore;
  /** The model the store serves; batches from any other model are refused. */
  modelId: string;
  dim: number;
  /** Records per upsert call (default 200). */
  chunkSize?: number;
}

/** Input of the aggregate stage: every embedded batch of one run. */
export interface AggregateInput {
  runId: string;
  batches: EmbeddedBatch[];
}

/**
 * Turns each product's image vectors into one unit-length product vector and stores it; products with no
 * usable image are reported, not stored. Everything is validated before the first write. Idempotent.
 */
export async function runAggregate(input: AggregateInput, deps: AggregateDeps): Promise<AggregateSummary> {
  const { runId, batches } = input;
  if (typeof runId !== 'string' || runId === '') throw new InputError('aggregate needs a runId');
  for (const [i, batch] of batches.entries()) checkBatch(batch, i, runId, deps);

  const summary: AggregateSummary = {
    runId,
    productsStored: 0,
    productsSkipped: [],
    productsPartial: 0,
    images: { total: 0, ok: 0, failed: zeroFailureCounts() },
  };
  const records: ProductRecord[] = [];
  const seen = new Map<string, number>();
  for (const [b, batch] of batches.entries()) {
    for (const product of batch.products) {
      const where = `run ${runId} batch ${b} product ${JSON.stringify(product.id)}`;
      const earlier = seen.get(product.id);
      if (earlier !== undefined)
        throw new InputError(`${where}: the same product is also in batch ${earlier}`);
      seen.set(product.id, b);
      const record = aggregateProduct(product, deps.dim, where, summary);
      if (record) records.push(record);
    }
  }

  await deps.store.bind({ model: deps.modelId, dim: deps.dim });
  const chunkSize = deps.chunkSize ?? 200;
  for (let start = 0; start < records.length; start += chunkSize) {
    await deps.store.upsert(records.slice(start, start + chunkSize));
  }
  summary.productsStored = records.length;
  return summary;
}

function checkBatch(batch: EmbeddedBatch, index: number, runId: string, deps: AggregateDeps): void {
  if (batch.runId !== runId) {
    throw new InputError(`batch ${index} belongs to run ${batch.runId}, not to run ${runId}`);
  }
  if (batch.model !== deps.modelId || batch.dim !== deps.dim) {
    throw new ModelMismatchError(
      `batch ${index} of run ${runId} was embedded with model ${batch.model} (dim ${batch.dim}); ` +
        `this aggregate stores ${deps.modelId} (dim ${deps.dim}); re-embed the run or configure ${batch.model}`,
    );
  }
}

function aggregateProduct(
  product: EmbeddedProduct,
  dim: number,
  where: string,
  summary: AggregateSummary,
): ProductRecord | null {
  const reasons: SkipReason[] = [];
  let ok = 0;
  product.images.forEach((image, i) => {
    if (image.status === 'ok') {
      ok++;
      return;
    }
    if (image.status !== 'failed' || image.reason === undefined) {
      throw new InputError(
        `${where} image ${i} (${image.url}) is ${image.status} without a failure reason; the embed stage must mark every image ok or failed with a reason`,
      );
    }
    reasons.push(image.reason);
    summary.images.failed[image.reason]++;
  });
  summary.images.total += product.images.length;
  summary.images.ok += ok;
  if (product.vectors.length !== ok) {
    throw new InputError(`${where}: has ${ok} ok images but ${product.vectors.length} vectors`);
  }
  if (ok === 0) {
    summary.productsSkipped.push({ id: product.id, reasons: reasons.length > 0 ? reasons : ['no_images'] });
    return null;
  }
  if (ok < product.images.length) summary.productsPartial++;
  const vectors = product.vectors.map((text, i) => {
    const vector = decodeVector(text, { dim, where: `${where} vector ${i}` });
    if (vector.every((x) => x === 0)) throw new InputError(`${where} vector ${i} is all zeros`);
    return vector;
  });
  return {
    id: product.id,
    vector: meanOfUnitVectors(vectors),
    images: product.images.map((image) => image.url),
    maskedKeys: product.images.map((image) => (image.status === 'ok' ? image.maskedKey : undefined)),
    metadata: product.metadata,
    imagesUsed: ok,
  };
}
