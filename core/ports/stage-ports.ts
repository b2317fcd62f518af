import type { HostPauseEvent } from '#core/host-pause.ts';
import type { ImageRecord } from '#core/types.ts';
import type { BlobStore } from './blob-store.ts';
import type { HttpClient } from './http-client.ts';
import type { ImageEmbedder, Segmenter, TextEmbedder } from './models.ts';
import type { EmbedSettings, VectorStore } from './vector-store.ts';

/** The embedding model as the store records it, known without loading the model. */
export interface EmbeddingInfo {
  modelId: string;
  dim: number;
  /** The settings that produced the vectors (model, mask, background, fit); recorded with each product. */
  settings?: EmbedSettings;
}

/** Hooks of a runtime that shows progress (the local CLI); the cloud passes none. */
export interface StageEvents {
  /** The download paused a host (failing or throttling), or resumed it. */
  hostPaused?(event: HostPauseEvent): void;
  /** An image's final status, once its batch's embeddings are stored. */
  imageFinished?(image: ImageRecord): void;
}

/**
 * The adapters of one environment, as every stage's wiring takes them: `functions/<stage>/deps.ts` builds the
 * stage from the configuration and these. Local mode and the cloud differ only in this object
 * (local/local-ports.ts, cloud/data-ports.ts + cloud/model-ports.ts). Models and the store open on first use,
 * so a process builds only what its stages ask for.
 */
export interface StagePorts {
  blobs: BlobStore;
  store(): Promise<VectorStore>;
  embedding(): EmbeddingInfo;
  /** The downloader's client, shared by every batch of the process. */
  downloadHttp(): HttpClient;
  /** Image search's client for `imageUrl` (a user's URL: never a private address in production). */
  imageUrlHttp(): HttpClient;
  segmenter(): Promise<Segmenter>;
  imageEmbedder(): Promise<ImageEmbedder>;
  textEmbedder(): Promise<TextEmbedder>;
  events?: StageEvents;
}
