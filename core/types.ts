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

/** The state of one image as it moves through download, segment and embed. */
export interface ImageRecord {
  url: string;
  /** 'pending' before the download, and after it when the host was still paused (a later pass tries it). */
  status: 'pending' | 'ok' | 'failed';
  reason?: FailureReason;
  /** Human-readable detail for a failure or a warning (HTTP status, decoder message, ...). */
  detail?: string;
  /** Content-addressed blob key of the downloaded original. */
  originalKey?: string;
  /** Blob key of the image with its background replaced. */
  maskedKey?: string;
  /** False when the segmenter found no garment and the unmasked image was used instead. */
  garmentFound?: boolean;
  /** Time the download waited for the image's host to resume after a pause (deferred), in ms. */
  waitedMs?: number;
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
}

/** A search hit: a stored product and its cosine similarity to the query. */
export interface Hit {
  record: ProductRecord;
  score: number;
}
