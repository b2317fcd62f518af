import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import { parseBatchEvent } from '#core/batch-schema.ts';
import type { Config } from '#core/config.ts';
import { HostLimiter } from '#core/host-limiter.ts';
import { depsGetter } from '#core/lazy.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { HttpClient } from '#core/ports/http-client.ts';
import { observed } from '#functions/shared/observe/middleware.ts';
import { createObservability, type Observability } from '#functions/shared/observe/powertools.ts';
import { batchStageReport } from '#functions/shared/observe/reports.ts';
import { environmentFaultsNamed, inputErrorsNotRetried } from '#functions/shared/stage-errors.ts';
import { HostHealth, type HostPauseEvent } from './host-health.ts';
import { type DownloadDeps, type DownloadedBatch, runDownload } from './run-download.ts';

const MAX_REDIRECTS = 5;

/** Per-run choices that are not configuration. */
export interface DownloadRunOptions {
  /** Ignore what earlier runs learnt about each URL and fetch every image afresh. */
  forceRefresh?: boolean;
  /** An HTTP client and per-host limiter shared by the whole process (the local runner passes its own). */
  http?: HttpClient;
  limiter?: HostLimiter;
  /** Shown while a host is paused (the local progress line). */
  onHostPause?: (event: HostPauseEvent) => void;
}

/** Wires the download stage from config around a given BlobStore (the local runner passes its own). */
export function buildDownloadDeps(
  config: Config,
  blobs: BlobStore,
  options: DownloadRunOptions = {},
): DownloadDeps {
  const { timeoutMs, maxBytes, retries, maxPixels, perHostConcurrency, hostPauseBudgetMs } = config.download;
  const forceRefresh = options.forceRefresh ?? config.download.forceRefresh;
  const hosts = { budgetMs: hostPauseBudgetMs };
  return {
    http: options.http ?? new UndiciHttpClient({ allowPrivateHosts: config.allowPrivateHosts }),
    blobs,
    limiter: options.limiter ?? new HostLimiter(perHostConcurrency),
    health: healthPerRun(() => new HostHealth(hosts, Date.now, undefined, options.onHostPause)),
    settings: { timeoutMs, maxBytes, retries, maxPixels, maxRedirects: MAX_REDIRECTS, forceRefresh, hosts },
  };
}

/** One HostHealth per run, shared by the run's batches in this process (a warm Lambda may serve two runs). */
function healthPerRun(create: () => HostHealth): (runId: string) => HostHealth {
  const runs = new Map<string, HostHealth>();
  return (runId) => {
    let health = runs.get(runId);
    if (!health) {
      health = create();
      runs.set(runId, health);
      for (const old of runs.keys()) if (runs.size > 4) runs.delete(old);
    }
    return health;
  };
}

/**
 * Time an invocation keeps for what follows its last wait on a paused host: one more request, and writing the
 * batch. Images whose host is still paused then are handed to the state machine's next pass.
 */
function deferralDeadline(context: Context | undefined, timeoutMs: number): number {
  const left = context?.getRemainingTimeInMillis?.();
  if (left === undefined || !Number.isFinite(left)) return Number.POSITIVE_INFINITY;
  return Date.now() + Math.max(0, left - timeoutMs - 30_000);
}

/**
 * Builds the download Lambda handler: parses a Batch or a Distributed Map `{ Items, BatchInput }` event
 * (InputError when invalid, which must not be retried) and runs the stage. Dependencies are built once.
 */
export function createDownloadHandler(
  deps: DownloadDeps | (() => Promise<DownloadDeps>),
  options: { observe?: Observability } = {},
) {
  const getDeps = depsGetter(deps);
  return middy(async (event: unknown, context: Context): Promise<DownloadedBatch> => {
    const batch = parseBatchEvent(event);
    const d = await getDeps();
    return runDownload(batch, { ...d, deadline: deferralDeadline(context, d.settings.timeoutMs) });
  })
    .use(options.observe ? observed(options.observe, batchStageReport('download')) : [])
    .use(inputErrorsNotRetried())
    .use(environmentFaultsNamed());
}

/** The deployed handler: config from the environment the stack sets, originals in the data bucket. */
export const handler = createDownloadHandler(
  async () => (await import('#cloud/stage-deps.ts')).downloadDeps(),
  { observe: createObservability('download') },
);
