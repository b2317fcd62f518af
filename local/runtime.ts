import path from 'node:path';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { OnnxSegmenter } from '#adapters/onnx-segmenter.ts';
import { TransformersImageEmbedder, TransformersTextEmbedder } from '#adapters/transformers-embedder.ts';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import type { Config } from '#core/config.ts';
import { embedSettings } from '#core/embed-settings.ts';
import { lazy } from '#core/lazy.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { HttpClient } from '#core/ports/http-client.ts';
import type { ImageEmbedder, Segmenter, TextEmbedder } from '#core/ports/models.ts';
import type { StageEvents, StagePorts } from '#core/ports/stage-ports.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import type { ResolvedModels } from '#models/resolve.ts';

/** Everything the stages need on one machine: local disk, the embedded store and in-process models. */
export interface LocalRuntime {
  config: Config;
  models: ResolvedModels;
  blobs: BlobStore;
  store: VectorStore;
  /** Models load on first use, so serving search never loads the image models. */
  segmenter: () => Promise<Segmenter>;
  imageEmbedder: () => Promise<ImageEmbedder>;
  textEmbedder: () => Promise<TextEmbedder>;
  http: UndiciHttpClient;
  /** Frees the segmentation and image models once ingestion is over (a search server needs only text). */
  releaseIngestModels(): Promise<void>;
  close(): Promise<void>;
}

/** Options that only the local runner sets. */
export interface LocalRuntimeOptions {
  /** Addresses the downloader may reach even though they are private (the bundled sample server). */
  allowAddresses?: readonly string[];
  /**
   * Open the vector store read-only (a snapshot, no lock), so `serve` can run beside an `ingest`;
   * restart it to see what a later ingestion stored.
   */
  readOnly?: boolean;
}

/** Wires the local adapters from config. The vector store lives in a folder per embedding model. */
export async function createLocalRuntime(
  config: Config,
  models: ResolvedModels,
  options: LocalRuntimeOptions = {},
): Promise<LocalRuntime> {
  const store = await FileVectorStore.open(path.join(config.dataDir, 'index', models.embed.id), {
    readOnly: options.readOnly,
  });
  const { embedBatchSize: batchSize, onnxThreads: threads, imageFit: fit } = config.model;
  const pixels = { fit, padColour: config.background };
  const segmenter = releasable(() => OnnxSegmenter.create({ model: models.segment, threads }));
  const imageEmbedder = releasable(() =>
    TransformersImageEmbedder.create({ model: models.embed, batchSize, threads, pixels }),
  );
  const http = new UndiciHttpClient({
    allowPrivateHosts: config.allowPrivateHosts,
    allowAddresses: options.allowAddresses,
  });
  const releaseIngestModels = async () => {
    await Promise.all([segmenter.release(), imageEmbedder.release()]);
  };
  return {
    config,
    models,
    blobs: new FsBlobStore(path.join(config.dataDir, 'blobs')),
    store,
    segmenter: segmenter.get,
    imageEmbedder: imageEmbedder.get,
    textEmbedder: lazy(() => TransformersTextEmbedder.create({ model: models.embed, batchSize, threads })),
    http,
    releaseIngestModels,
    close: async () => {
      await releaseIngestModels();
      await http.close();
      await store.close();
    },
  };
}

/** A lazily created model that can be freed, and is created again if asked for afterwards. */
function releasable<T extends { dispose?(): Promise<void> }>(make: () => Promise<T>) {
  let get = lazy(make);
  let made = false;
  return {
    get: () => {
      made = true;
      return get();
    },
    release: async () => {
      if (!made) return;
      const model = await get().catch(() => undefined);
      get = lazy(make);
      made = false;
      await model?.dispose?.();
    },
  };
}

/** What only some local callers add to the runtime's ports. */
export interface LocalPortsExtra {
  /** Progress hooks (the CLI's progress line). */
  events?: StageEvents;
  /** Image search's client for `imageUrl`; default: the runtime's own downloader client. */
  imageUrlHttp?: HttpClient;
  /** False for `--no-segment` runs: the settings recorded with the vectors say no mask was applied. */
  segment?: boolean;
}

/** The local ports every stage's wiring takes: the runtime's disk, embedded store and in-process models. */
export function localPorts(rt: LocalRuntime, extra: LocalPortsExtra = {}): StagePorts {
  const { embed } = rt.models;
  return {
    blobs: rt.blobs,
    store: async () => rt.store,
    embedding: () => ({
      modelId: embed.id,
      dim: embed.dim,
      settings: embedSettings(rt.config, rt.models, extra.segment !== false),
    }),
    downloadHttp: () => rt.http,
    imageUrlHttp: () => extra.imageUrlHttp ?? rt.http,
    segmenter: rt.segmenter,
    imageEmbedder: rt.imageEmbedder,
    textEmbedder: rt.textEmbedder,
    ...(extra.events && { events: extra.events }),
  };
}
