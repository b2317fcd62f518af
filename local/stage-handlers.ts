import type { Context } from 'aws-lambda';
import type { Batch, ImageRecord } from '../core/types.ts';
import { createAggregateHandler } from '../functions/aggregate/handler.ts';
import { writeProductList } from '../functions/aggregate/run-blobs.ts';
import type { AggregateSummary } from '../functions/aggregate/types.ts';
import { buildDownloadDeps, createDownloadHandler } from '../functions/download/handler.ts';
import { createEmbedHandler } from '../functions/embed/handler.ts';
import type { EmbedResult } from '../functions/embed/run-embed.ts';
import { createSegmentHandler } from '../functions/segment/handler.ts';
import type { LocalRuntime } from './runtime.ts';

/** The ingestion stages as the orchestrator sees them: Lambda-shaped events in, JSON out. */
export interface StageHandlers {
  download(event: unknown): Promise<Batch>;
  segment(event: unknown): Promise<Batch>;
  embed(event: unknown): Promise<EmbedResult>;
  aggregate(event: unknown): Promise<AggregateSummary>;
  /** Records the run's catalog product ids at run start, for an aggregate that prunes. */
  recordProducts?(runId: string, productIds: string[]): Promise<void>;
}

/** Hooks the local runner uses to show progress. */
export interface StageObserver {
  /** Called once per image with its final status, once its batch's embeddings are stored. */
  finished?(image: ImageRecord): void;
}

/** A Lambda context for in-process invocations. */
export function localContext(name: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:local:lambda:${name}`,
    memoryLimitInMB: '0',
    awsRequestId: `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 15 * 60 * 1000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Builds the real stage handlers over the local runtime's adapters. */
export function createLocalStageHandlers(rt: LocalRuntime, observer: StageObserver = {}): StageHandlers {
  const { config } = rt;
  const download = createDownloadHandler(
    buildDownloadDeps(config, rt.blobs, {
      http: rt.http,
      limiter: rt.limiter,
      forceRefresh: config.download.forceRefresh,
    }),
  );
  const segment = createSegmentHandler(async () => ({
    blobs: rt.blobs,
    segmenter: await rt.segmenter(),
    background: config.background,
    maxPixels: config.download.maxPixels,
  }));
  const embed = createEmbedHandler(async () => ({
    blobs: rt.blobs,
    embedder: await rt.imageEmbedder(),
    maxPixels: config.download.maxPixels,
    batchSize: config.model.embedBatchSize,
    onImage: (image) => observer.finished?.(image),
  }));
  const aggregate = createAggregateHandler(
    async () => ({
      blobs: rt.blobs,
      store: rt.store,
      modelId: rt.models.embed.id,
      dim: rt.models.embed.dim,
    }),
    { fullSummary: true },
  );
  return {
    download: (event) => download(event, localContext('download')),
    segment: (event) => segment(event, localContext('segment')),
    embed: (event) => embed(event, localContext('embed')),
    aggregate: (event) => aggregate(event, localContext('aggregate')),
    recordProducts: (runId, productIds) => writeProductList(rt.blobs, runId, productIds),
  };
}
