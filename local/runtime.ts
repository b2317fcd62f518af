import path from 'node:path';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { createModelAdapters } from '#adapters/model-adapters.ts';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import type { Config } from '#core/config.ts';
import { embedSettings } from '#core/embed-settings.ts';
import { environmentFaultOf } from '#core/env-fault.ts';
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
  const indexDir = path.join(config.dataDir, 'index', models.embed.id);
  // Opening may write (a damaged log is set aside and rewritten): a fault names the index when the system
  // error names no path.
  const store = await FileVectorStore.open(indexDir, { readOnly: options.readOnly }).catch(
    (error: unknown) => {
      throw environmentFaultOf(error, { pathIfUnnamed: indexDir }) ?? error;
    },
  );
  const modelAdapters = createModelAdapters(config, async () => models);
  const http = new UndiciHttpClient({
    allowPrivateHosts: config.allowPrivateHosts,
    allowAddresses: options.allowAddresses,
  });
  const releaseIngestModels = modelAdapters.releaseImageModels;
  return {
    config,
    models,
    blobs: new FsBlobStore(path.join(config.dataDir, 'blobs')),
    store,
    segmenter: modelAdapters.segmenter,
    imageEmbedder: modelAdapters.imageEmbedder,
    textEmbedder: modelAdapters.textEmbedder,
    http,
    releaseIngestModels,
    close: async () => {
      await releaseIngestModels();
      await http.close();
      await store.close();
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
  /** The segmenter to use instead of the runtime's (the search server's, off the main thread). */
  segmenter?: () => Promise<Segmenter>;
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
    segmenter: extra.segmenter ?? rt.segmenter,
    imageEmbedder: rt.imageEmbedder,
    textEmbedder: rt.textEmbedder,
    ...(extra.events && { events: extra.events }),
  };
}
