/** Why an image could not be used. Stable strings: they appear in run summaries and the API. */
export type FailureReason =
  | 'invalid_url'
  | 'blocked_host'
  | 'not_found'
  | 'http_error'
  | 'rate_limited'
  | 'timeout'
  | 'network_error'
  /** The image's host stayed paused (failing or throttling) longer than the run's pause budget. */
  | 'host_unavailable'
  | 'too_large'
  | 'not_an_image'
  | 'corrupt_image'
  | 'too_many_pixels'
  | 'segment_failed'
  | 'embed_failed';

/** Metadata carried from the catalog to search results (name, category, color, price, product_url, ...). */
export type ProductMetadata = Record<string, string | number>;

/** Where a product came from in the catalog, for error messages. */
export interface SourceRef {
  file: string;
  line: number;
}

/** One product as read from a catalog: its images in catalog order. */
export interface CatalogProduct {
  id: string;
  images: string[];
  metadata: ProductMetadata;
  source?: SourceRef;
}

interface ImageBase {
  url: string;
  /** Human-readable detail: the cause of a failure, or a warning on a success (HTTP status, decoder message). */
  detail?: string;
  /** Time the download waited for the image's host to resume after a pause (deferred), in ms. */
  waitedMs?: number;
  /**
   * The original an earlier run stored, kept because revalidating it failed for a passing reason (the host
   * throttled, timed out or answered 5xx); `detail` says why.
   */
  kept?: true;
}

/** Not downloaded yet, or its host was still paused after a download pass (a later pass tries it). */
export interface PendingImage extends ImageBase {
  status: 'pending';
}

/** Failed at some stage, and why; the keys of what was made before it failed. */
export interface FailedImage extends ImageBase {
  status: 'failed';
  reason: FailureReason;
  originalKey?: string;
  maskedKey?: string;
}

/** Downloaded: the content-addressed blob key of its original. */
export interface DownloadedImage extends ImageBase {
  status: 'downloaded';
  originalKey: string;
}

/** Segmented: the garment on the flat colour, or (garmentFound false) the photo kept as it was. */
export interface MaskedImage extends ImageBase {
  status: 'masked';
  originalKey: string;
  maskedKey: string;
  garmentFound: boolean;
}

/** Embedded: its unit vector, base64 little-endian float32 (core/vector-codec.ts). */
export interface EmbeddedImage extends ImageBase {
  status: 'embedded';
  originalKey: string;
  /** Absent when the run skipped segmentation (`--no-segment`). */
  maskedKey?: string;
  garmentFound?: boolean;
  vector: string;
  /** The vector came from the embedding cache: this run did no model work for the image. */
  reused?: boolean;
}

/**
 * The state of one image as it moves through download, segment and embed: each stage takes the status the one
 * before it leaves and adds what it made, so no stage re-checks optional fields and nothing depends on position.
 */
export type ImageRecord = PendingImage | FailedImage | DownloadedImage | MaskedImage | EmbeddedImage;

export type ImageStatus = ImageRecord['status'];

/** An image that came through every stage so far (downloaded, masked or embedded). */
export type UsableImage = DownloadedImage | MaskedImage | EmbeddedImage;

/** The image failed at a stage: it keeps its URL, wait and keys, and records why. */
export function failImage(image: ImageRecord, reason: FailureReason, detail: string): FailedImage {
  return {
    url: image.url,
    status: 'failed',
    reason,
    detail,
    ...(image.waitedMs !== undefined && { waitedMs: image.waitedMs }),
    ...('originalKey' in image && image.originalKey !== undefined && { originalKey: image.originalKey }),
    ...('maskedKey' in image && image.maskedKey !== undefined && { maskedKey: image.maskedKey }),
  };
}

/** True for an image that came through every stage so far. */
export function isUsable(image: ImageRecord): image is UsableImage {
  return image.status === 'downloaded' || image.status === 'masked' || image.status === 'embedded';
}

/** A product travelling through the pipeline stages. */
export interface ProductItem {
  id: string;
  metadata: ProductMetadata;
  images: ImageRecord[];
}

/** How a download pass left a batch when some of its images still wait for a paused host. */
export interface Deferral {
  /** Images handed to the next pass ('pending'). */
  images: number;
  /** Seconds until the earliest of their hosts resumes: the state machine's Wait before the next pass. */
  waitSeconds: number;
  /** Download passes run so far. */
  passes: number;
  /** Later passes that settled none of the images handed to them (MAX_STALLED_PASSES ends the deferrals). */
  stalled?: number;
}

/** The unit of work of every ingestion stage: a batch of products from one run. */
export interface Batch {
  runId: string;
  items: ProductItem[];
  /** Set by a download pass that left images for a later pass; the next pass tries only those. */
  deferral?: Deferral;
}

/** A product vector as stored in a VectorStore. */
export interface ProductRecord {
  id: string;
  /** Unit-length mean of the product's image vectors. */
  vector: Float32Array;
  /** All the catalog's image URLs for this product, in catalog order. */
  images: string[];
  /** Masked image blob keys, parallel to `images` (undefined where that image failed). */
  maskedKeys?: (string | undefined)[];
  metadata: ProductMetadata;
  /** How many of the product's images contributed to its vector. */
  imagesUsed: number;
  /**
   * Zero-shot tags from the product vector (core/tags/): per vocabulary group, the best value and its margin over
   * the runner-up, only where the margin cleared the threshold. Kept apart from the catalog's `metadata`.
   */
  autoTags?: AutoTags;
}

/** One auto-tag: the group's best value and its cosine margin over the group's runner-up. */
export interface AutoTag {
  value: string;
  margin: number;
}

/** Auto-tags by vocabulary group name (`colour`, `pattern`, ...). */
export type AutoTags = Record<string, AutoTag>;

/** A search hit: a stored product and its cosine similarity to the query. */
export interface Hit {
  record: ProductRecord;
  score: number;
}
