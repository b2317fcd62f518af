import path from 'node:path';
import type { Context } from 'aws-lambda';
import type { Config } from '#core/config.ts';
import { parseBatchEvent } from '#core/contracts/batch-schema.ts';
import type { HostPauseEvent } from '#core/host-pause.ts';
import type { Batch, ImageRecord } from '#core/types.ts';
import { buildAggregateDeps } from '#functions/aggregate/deps.ts';
import { createAggregateHandler } from '#functions/aggregate/handler.ts';
import type { CompactAggregateSummary } from '#functions/aggregate/types.ts';
import { buildDownloadDeps } from '#functions/download/deps.ts';
import { createDownloadHandler } from '#functions/download/handler.ts';
import { buildEmbedDeps } from '#functions/embed/deps.ts';
import { createEmbedHandler } from '#functions/embed/handler.ts';
import type { EmbedResult } from '#functions/embed/run-embed.ts';
import { buildPrepareDeps } from '#functions/prepare/deps.ts';
import { createPrepareHandler } from '#functions/prepare/handler.ts';
import type { PrepareResult } from '#functions/prepare/run-prepare.ts';
import { buildSegmentDeps } from '#functions/segment/deps.ts';
import { createSegmentHandler } from '#functions/segment/handler.ts';
import { createObservability } from '#functions/shared/observe/powertools.ts';
import { createLocalLockTable } from './local-lock.ts';
import { type LocalRuntime, localPorts } from './runtime.ts';

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
  /** Who holds the lock of `pk` and how to clear it if that holder is gone, for a refusal; none: not held. */
  refusal?(pk: string): Promise<string | undefined>;
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

/**
 * The download's, locally: its images still waiting for a paused host about a minute in (this, less the request
 * timeout and 30 s) go to the state machine's Wait state, where their batch gives up its work slot, so one dead
 * host does not hold back the batches of the others for its whole pause budget.
 */
const LOCAL_DOWNLOAD_INVOCATION_MS = 2 * 60 * 1000;

/**
 * A local download invocation's time: a minute of waiting past the request timeout and the handler's margin at
 * least, so that a long THREADFINDER_DOWNLOAD_TIMEOUT_MS does not leave it no time to wait (or retry) at all.
 */
export function downloadInvocationMs(config: Config): number {
  return Math.max(LOCAL_DOWNLOAD_INVOCATION_MS, config.download.timeoutMs + 90_000);
}

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
  const ports = localPorts(rt, {
    segment: options.segment !== false,
    events: { hostPaused: (e) => observer.hostPaused?.(e), imageFinished: (i) => observer.finished?.(i) },
  });
  const download = createDownloadHandler(buildDownloadDeps(config, ports), observe('download'));
  const segment = createSegmentHandler(() => buildSegmentDeps(config, ports), observe('segment'));
  const embed = createEmbedHandler(() => buildEmbedDeps(config, ports), observe('embed'));
  const aggregate = createAggregateHandler(() => buildAggregateDeps(config, ports), observe('aggregate'));
  const prepare = createPrepareHandler(buildPrepareDeps(config, ports), observe('prepare'));
  return {
    prepare: (event) => prepare(event, localContext('prepare')),
    download: (event) =>
      download(event, localContext('download', options.downloadInvocationMs ?? downloadInvocationMs(config))),
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
