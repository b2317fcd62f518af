import type { BlobStore } from '#core/ports/blob-store.ts';
import type { HttpClient } from '#core/ports/http-client.ts';
import type { ImageEmbedder, Segmenter, TextEmbedder } from '#core/ports/models.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';

/** What image search needs; models load on the first image search. */
export interface ImageSearchSetup {
  segmenter: () => Promise<Segmenter>;
  embedder: () => Promise<ImageEmbedder>;
  /** Fetches `{"imageUrl"}`; it must refuse private and loopback targets (UndiciHttpClient does). */
  http: HttpClient;
  /** Background colour of the catalog's masked images (THREADFINDER_BACKGROUND). */
  background: readonly [number, number, number];
  /** Pixel cap of a query image (THREADFINDER_MAX_PIXELS). */
  maxPixels: number;
  /** Longest wait for an image URL (default IMAGE_URL_TIMEOUT_MS). */
  fetchTimeoutMs?: number;
}

/** What the search API needs; the same for the local server and the Lambda. */
export interface ApiDeps {
  text: TextEmbedder;
  store: VectorStore;
  /** Masked images of the catalog; without it `/api/products/{id}/masked/{i}` is always 404. */
  blobs?: BlobStore;
  /** Without it `POST /api/search` answers 501 image_search_unavailable. */
  image?: ImageSearchSetup;
  /** Alternatives at or above this cosine to the best product or to each other collapse (default 0.98). */
  duplicateThreshold?: number;
  /**
   * False while the server is still starting (an ingestion still running, or the models or the index still
   * loading); `/healthz` and search answer 503 meanwhile.
   */
  isReady?: () => boolean;
  /** Folder of the static page; without it only the JSON routes exist. */
  webDir?: string;
  /** Receives unexpected errors (answered with a bare 500); default: one line on stderr. */
  onError?: (err: unknown) => void;
}
