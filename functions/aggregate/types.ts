import type { EmbeddedBatch } from '#core/contracts/embedded-batch.ts';
import type { HostPause } from '#core/host-pause.ts';
import type { FailureReason } from '#core/types.ts';

export type { EmbeddedBatch, EmbeddedProduct } from '#core/contracts/embedded-batch.ts';

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

/**
 * A Distributed Map batch that never produced an embedded batch: its child execution recorded a failure,
 * failed, was aborted or timed out, or had not finished when the map run ended.
 */
export interface NotEmbeddedBatch {
  /** The batch's products that no other batch of the run stored (empty when its input could not be read). */
  productIds: string[];
  /** The error name, e.g. `States.TaskFailed`, `Lambda.Unknown`, or why the batch did not finish. */
  error: string;
  /** The error's cause as Step Functions recorded it, cut to a bounded length. */
  cause?: string;
  /** The child execution's name (or ARN), to find it in the console. */
  execution?: string;
}

/** Where the Distributed Map's ResultWriter put its manifest: `$.map.ResultWriterDetails`. */
export interface MapResultsLocation {
  /** The data bucket; the aggregate reads through its own blob store, so only Key is used. */
  Bucket: string;
  /** Key of the map run's `manifest.json`. */
  Key: string;
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

/** An image the run could not use: where it was, what URL, why (the download's or decoder's own words). */
export interface FailedImageEntry {
  productId: string;
  /** Its index among the product's catalog images. */
  index: number;
  url: string;
  reason: SkipReason;
  detail?: string;
}

/** An image whose stored original was kept because its host failed to revalidate it. */
export interface KeptImageEntry {
  productId: string;
  /** Its index among the product's catalog images. */
  index: number;
  url: string;
  detail?: string;
}

/** The outcome of a run, written to `runs/<runId>/summary.json`. */
export interface AggregateSummary {
  runId: string;
  productsStored: number;
  productsSkipped: SkippedProduct[];
  /**
   * Every failed image with its URL and detail, in batch order, up to MAX_FAILED_IMAGES_LISTED; absent in
   * summaries written before it existed.
   */
  failedImages?: FailedImageEntry[];
  /**
   * Ok images whose earlier stored original was kept because revalidating it failed (ImageRecord.kept), with
   * why, up to MAX_FAILED_IMAGES_LISTED; absent when there were none.
   */
  keptImages?: KeptImageEntry[];
  /** Failed images past that cap (counted in `images.failed`, not listed). */
  failedImagesNotListed?: number;
  /** Stored products for which some, but not all, images failed. */
  productsPartial: number;
  images: {
    total: number;
    ok: number;
    failed: Record<FailureReason, number>;
    /** Images that waited for a paused host (also counted in ok or failed). */
    deferred: number;
    /** Ok images whose vector came from the embedding cache: no model work this run. */
    reused: number;
    /** Ok images whose earlier stored original was kept because revalidating it failed (ImageRecord.kept). */
    kept?: number;
  };
  /**
   * Hosts the download paused (failing, or throttling with Retry-After): how long in all and why. Images that
   * failed only because a host's pause budget ran out are `failed.host_unavailable`.
   */
  hostPauses: HostPause[];
  /** Batches whose products were stored. */
  batchesStored: number;
  /** Batches that could not be read or were invalid; the run stored the others. */
  batchesFailed: BatchFailure[];
  warnings: BatchWarning[];
  /** Map batches that produced no embedded batch (from the map run's results; empty without them). */
  batchesNotEmbedded: NotEmbeddedBatch[];
  /** Products of those batches, none of which was stored. */
  productsNotEmbedded: number;
  /** Why the map run's results could not be read in full (missing or corrupt manifest or result file). */
  mapResultsProblems?: string[];
  /** Products deleted because the run's catalog no longer lists them (0 unless pruning was asked for). */
  productsPruned: number;
  /** Why an asked-for prune did not run, e.g. "prune skipped: 2 batches failed". */
  pruneSkipped?: string;
  /** Stored batches whose blobs could not be deleted afterwards (they only take space). */
  batchesNotDeleted?: { key: string; error: string }[];
  /** What the run auto-tagged (absent where the aggregate step has no blob store to read the text vectors from). */
  autoTags?: TaggingSummary;
}

/** The run's zero-shot tagging (core/tags/): where the text vectors came from, the threshold, and the counts. */
export interface TaggingSummary {
  /** The cached text vectors of the vocabulary (`runs/tag-vocabulary-<model>-<hash>.json`). */
  key: string;
  /** THREADFINDER_TAG_MARGIN: a tag is kept when its margin over the group's runner-up is at least this. */
  threshold: number;
  /** Stored products with at least one auto-tag. */
  productsTagged: number;
  /** Products tagged, per vocabulary group. */
  byGroup: Record<string, number>;
  /** Why the run tagged nothing (no cached text vectors, or damaged ones). */
  skipped?: string;
}

/**
 * What the aggregate Lambda returns to the state machine (well under its 256 KB limit): the counts of the
 * summary and the first entries of each list. The full summary is at `summaryKey`.
 */
export interface CompactAggregateSummary {
  runId: string;
  /** `runs/<runId>/summary.json`, the full AggregateSummary. */
  summaryKey: string;
  productsStored: number;
  productsPartial: number;
  productsSkipped: number;
  productsNotEmbedded: number;
  productsPruned: number;
  images: AggregateSummary['images'];
  /** The hosts paused longest (at most 20). */
  hostPauses: HostPause[];
  batchesStored: number;
  batchesFailed: number;
  batchesNotEmbedded: number;
  /**
   * Failed batches (not embedded, or embedded but not stored) as a percentage of all batches, 0 when there
   * were none: the state machine fails the execution when it exceeds `toleratedFailurePercentage`.
   */
  batchesFailedPercent: number;
  warnings: number;
  pruneSkipped?: string;
  /** The first problems reading the map run's results. */
  mapResultsProblems?: string[];
  batchesNotDeleted?: number;
  /**
   * The first entries of each list of the full summary (at most 20, fewer when they are long), with texts and
   * product id lists cut short; `productCount` tells how many products a batch had.
   */
  first: {
    productsSkipped: SkippedProduct[];
    batchesFailed: (BatchFailure & { productCount?: number })[];
    batchesNotEmbedded: (NotEmbeddedBatch & { productCount: number })[];
    warnings: (BatchWarning & { productCount: number })[];
  };
}
