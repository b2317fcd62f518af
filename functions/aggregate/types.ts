import type { FailureReason, ImageRecord, ProductMetadata } from '../../core/types.ts';

/** A product after the embed stage: its images with their final status and one vector per ok image. */
export interface EmbeddedProduct {
  id: string;
  metadata: ProductMetadata;
  /** Every catalog image in catalog order, with status, reason and maskedKey. */
  images: ImageRecord[];
  /** Base64 little-endian Float32 vectors (core/vector-codec.ts), one per ok image, in the order of those images. */
  vectors: string[];
}

/** What the embed stage writes per batch, under `runs/<runId>/embedded/<name>.json`. */
export interface EmbeddedBatch {
  runId: string;
  model: string;
  dim: number;
  products: EmbeddedProduct[];
}

/** One embedded batch as the aggregate step reads it: a name for reports and a lazy read. */
export interface BatchSource {
  /** Where the batch comes from (its blob key); names the batch in the summary. */
  key: string;
  /** Reads and parses the batch; an InputError marks only this batch failed, any other error stops the run. */
  read(): Promise<EmbeddedBatch>;
}

/** A batch the run could not use: none of its products were stored. */
export interface BatchFailure {
  key: string;
  error: string;
  /** The batch's product ids, when they could be read. */
  productIds?: string[];
}

/** A problem in a batch that was stored anyway: products left out because an earlier batch stored them. */
export interface BatchWarning {
  key: string;
  message: string;
  productIds: string[];
}

/** Why a product got no vector: the reason of each of its images, or `no_images` when it had none. */
export type SkipReason = FailureReason | 'no_images';

/** A product the run could not store. */
export interface SkippedProduct {
  id: string;
  /** One entry per catalog image, in catalog order; `['no_images']` for a product without images. */
  reasons: SkipReason[];
}

/** The outcome of a run, written to `runs/<runId>/summary.json`. */
export interface AggregateSummary {
  runId: string;
  productsStored: number;
  productsSkipped: SkippedProduct[];
  /** Stored products for which some, but not all, images failed. */
  productsPartial: number;
  images: {
    total: number;
    ok: number;
    failed: Record<FailureReason, number>;
  };
  /** Batches whose products were stored. */
  batchesStored: number;
  /** Batches that could not be read or were invalid; the run stored the others. */
  batchesFailed: BatchFailure[];
  warnings: BatchWarning[];
  /** Products deleted because the run's catalog no longer lists them (0 unless pruning was asked for). */
  productsPruned: number;
  /** Why an asked-for prune did not run, e.g. "prune skipped: 2 batches failed". */
  pruneSkipped?: string;
  /** Stored batches whose blobs could not be deleted afterwards (they only take space). */
  batchesNotDeleted?: { key: string; error: string }[];
}
