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
}
