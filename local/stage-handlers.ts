import path from 'node:path';
import type { Context } from 'aws-lambda';
import { parseBatchEvent } from '#core/batch-schema.ts';
import { embedSettings } from '#core/embed-settings.ts';
import type { Batch, ImageRecord } from '#core/types.ts';
import { createAggregateHandler } from '#functions/aggregate/handler.ts';
import type { CompactAggregateSummary } from '#functions/aggregate/types.ts';
import { buildDownloadDeps, createDownloadHandler } from '#functions/download/handler.ts';
import type { HostPauseEvent } from '#functions/download/host-health.ts';
import { createEmbedHandler } from '#functions/embed/handler.ts';
import type { EmbedResult } from '#functions/embed/run-embed.ts';
import { createPrepareHandler } from '#functions/prepare/handler.ts';
import type { PrepareResult } from '#functions/prepare/run-prepare.ts';
import { createSegmentHandler } from '#functions/segment/handler.ts';
import { createObservability } from '#functions/shared/observe/powertools.ts';
import { createLocalLockTable } from './local-lock.ts';
import type { LocalRuntime } from './runtime.ts';

/** The Task states' implementations as the state machine sees them: Lambda-shaped events in, JSON out. */
export interface StageHandlers {
  prepare(event: unknown): Promise<PrepareResult>;
  download(event: unknown): Promise<Batch>;
  segment(event: unknown): Promise<Batch>;
  embed(event: unknown): Promise<EmbedResult>;
  /** The compact summary, as the Lambda returns it; the full one is in `runs/<runId>/summary.json`. */
  aggregate(event: unknown): Promise<CompactAggregateSummary>;
  /** The lock table's two calls (DynamoDB PutItem / DeleteItem parameters in). */
  lock: LockTable;
}

/** The overlap guard: conditional put, read and delete of a catalog's lock item, and is its holder running. */
export interface LockTable {
  putItem(input: unknown): Promise<unknown>;
  getItem(input: unknown): Promise<unknown>;
  deleteItem(input: unknown): Promise<unknown>;
  describeExecution(input: unknown): Promise<{ Status: string }>;
}

/** Hooks the local runner uses to show progress. */
export interface StageObserver {
  /** Called once per image with its final status, once its batch's embeddings are stored. */
  finished?(image: ImageRecord): void;
  /** Called when the download pauses a host (failing or throttling), and when it resumes. */
  hostPaused?(event: HostPauseEvent): void;
}

/** How long a local invocation may run, as a Lambda's timeout (the download hands paused hosts' images on). */
const LOCAL_INVOCATION_MS = 15 * 60 * 1000;

/** A Lambda context for in-process invocations: its remaining time counts down from `limitMs`. */
export function localContext(name: string, limitMs = LOCAL_INVOCATION_MS): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:local:lambda:${name}`,
    memoryLimitInMB: '0',
    awsRequestId: `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, limitMs - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Where a local run's structured log lines and metrics go: `<data dir>/logs/threadfinder.jsonl`. */
export const localLogFile = (dataDir: string): string => path.join(dataDir, 'logs', 'threadfinder.jsonl');

/** Builds the real stage handlers over the local runtime's adapters. */
export function createLocalStageHandlers(
  rt: LocalRuntime,
  observer: StageObserver = {},
  options: { downloadInvocationMs?: number; segment?: boolean } = {},
): StageHandlers {
  const { config } = rt;
  // The Lambdas' Powertools log lines and EMF metrics, as JSON lines in a file (the terminal has the progress bar).
  const sink = { kind: 'file', file: localLogFile(config.dataDir) } as const;
  const observe = (stage: string) => ({ observe: createObservability(stage, sink) });
  const download = createDownloadHandler(
    buildDownloadDeps(config, rt.blobs, {
      http: rt.http,
      limiter: rt.limiter,
      forceRefresh: config.download.forceRefresh,
      onHostPause: (event) => observer.hostPaused?.(event),
    }),
    observe('download'),
  );
  const segment = createSegmentHandler(
    async () => ({
      blobs: rt.blobs,
      segmenter: await rt.segmenter(),
      background: config.background,
      maxPixels: config.download.maxPixels,
    }),
    observe('segment'),
  );
  const embed = createEmbedHandler(
    async () => ({
      blobs: rt.blobs,
      embedder: await rt.imageEmbedder(),
      maxPixels: config.download.maxPixels,
      batchSize: config.model.embedBatchSize,
      onImage: (image) => observer.finished?.(image),
    }),
    observe('embed'),
  );
  const aggregate = createAggregateHandler(
    async () => ({
      blobs: rt.blobs,
      store: rt.store,
      modelId: rt.models.embed.id,
      dim: rt.models.embed.dim,
      settings: embedSettings(config, rt.models, options.segment !== false),
    }),
    observe('aggregate'),
  );
  const prepare = createPrepareHandler({ blobs: rt.blobs }, observe('prepare'));
  return {
    prepare: (event) => prepare(event, localContext('prepare')),
    download: (event) => download(event, localContext('download', options.downloadInvocationMs)),
    // --no-segment: each photo goes to the embedder as downloaded (no mask), for ablations.
    segment: (event) =>
      options.segment === false
        ? Promise.resolve(parseBatchEvent(event))
        : segment(event, localContext('segment')),
    embed: (event) => embed(event, localContext('embed')),
    aggregate: (event) => aggregate(event, localContext('aggregate')),
    lock: createLocalLockTable(path.join(config.dataDir, 'locks')),
  };
}
