import middy from '@middy/core';
import { UndiciHttpClient } from '../../adapters/undici-http-client.ts';
import { parseBatchEvent } from '../../core/batch-schema.ts';
import type { Config } from '../../core/config.ts';
import { HostLimiter } from '../../core/host-limiter.ts';
import { depsGetter } from '../../core/lazy.ts';
import type { BlobStore } from '../../core/ports/blob-store.ts';
import type { HttpClient } from '../../core/ports/http-client.ts';
import type { Batch } from '../../core/types.ts';
import { inputErrorsNotRetried } from '../stage-errors.ts';
import { HostBreaker } from './host-breaker.ts';
import { type DownloadDeps, runDownload } from './run-download.ts';

const MAX_REDIRECTS = 5;

/** Per-run choices that are not configuration. */
export interface DownloadRunOptions {
  /** Ignore what earlier runs learnt about each URL and fetch every image afresh. */
  forceRefresh?: boolean;
  /** An HTTP client and per-host limiter shared by the whole process (the local runner passes its own). */
  http?: HttpClient;
  limiter?: HostLimiter;
}

/** Wires the download stage from config around a given BlobStore (the local runner passes its own). */
export function buildDownloadDeps(
  config: Config,
  blobs: BlobStore,
  options: DownloadRunOptions = {},
): DownloadDeps {
  const { timeoutMs, maxBytes, retries, maxPixels, perHostConcurrency } = config.download;
  const forceRefresh = options.forceRefresh ?? config.download.forceRefresh;
  return {
    http: options.http ?? new UndiciHttpClient({ allowPrivateHosts: config.allowPrivateHosts }),
    blobs,
    limiter: options.limiter ?? new HostLimiter(perHostConcurrency),
    breaker: new HostBreaker(),
    settings: { timeoutMs, maxBytes, retries, maxPixels, maxRedirects: MAX_REDIRECTS, forceRefresh },
  };
}

/**
 * Builds the download Lambda handler: parses a Batch or a Distributed Map `{ Items, BatchInput }` event
 * (InputError when invalid, which must not be retried) and runs the stage. Dependencies are built once.
 */
export function createDownloadHandler(deps: DownloadDeps | (() => Promise<DownloadDeps>)) {
  const getDeps = depsGetter(deps);
  return middy(
    async (event: unknown): Promise<Batch> => runDownload(parseBatchEvent(event), await getDeps()),
  ).use(inputErrorsNotRetried());
}

/** The deployed handler: config from the environment the stack sets, originals in the data bucket. */
export const handler = createDownloadHandler(async () =>
  (await import('../../cloud/stage-deps.ts')).downloadDeps(),
);
