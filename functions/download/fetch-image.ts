import { createHash } from 'node:crypto';
import { HttpClientError } from '../../core/errors.ts';
import type { HostLimiter } from '../../core/host-limiter.ts';
import { checkImage, FORMAT_INFO } from '../../core/image-check.ts';
import type { BlobStore } from '../../core/ports/blob-store.ts';
import type { HttpClient, HttpResponse } from '../../core/ports/http-client.ts';
import {
  type Attempt,
  isRetryableStatus,
  parseRetryAfter,
  type RetryOutcome,
  withRetries,
} from '../../core/retry.ts';
import type { FailureReason, ImageRecord } from '../../core/types.ts';

/** Limits and patience of the download stage. */
export interface DownloadSettings {
  timeoutMs: number;
  maxBytes: number;
  /** Retries after the first attempt. */
  retries: number;
  maxPixels: number;
  maxRedirects: number;
  /** Backoff ceiling of the first retry (default 500 ms). */
  baseDelayMs?: number;
  /** Longest single wait; a longer Retry-After gives up with 'rate_limited' (default 30 s). */
  maxDelayMs?: number;
}

/** What fetching one image needs, with clocks already defaulted. */
export interface FetchImageDeps {
  http: HttpClient;
  blobs: BlobStore;
  limiter: HostLimiter;
  settings: DownloadSettings;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
}

/** The download-stage fields of an ImageRecord. */
export type ImageOutcome = Pick<ImageRecord, 'status' | 'reason' | 'detail' | 'originalKey'>;

type Fetched = { response: HttpResponse } | { error: HttpClientError };

const failed = (reason: FailureReason, detail: string): ImageOutcome => ({
  status: 'failed',
  reason,
  detail,
});

/**
 * Fetches one image URL with retries (one per-host slot per attempt), checks it is a whole image and stores it
 * under `originals/<sha256>.<ext>`. Image and network problems become a 'failed' outcome; only BlobStore
 * failures throw.
 */
export async function fetchImage(url: string, deps: FetchImageDeps): Promise<ImageOutcome> {
  let host: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return failed('invalid_url', `unsupported scheme ${parsed.protocol} in ${JSON.stringify(url)}`);
    }
    host = parsed.hostname;
  } catch {
    return failed('invalid_url', `not a valid URL: ${JSON.stringify(url)}`);
  }
  const { settings } = deps;
  const outcome = await withRetries(
    () => deps.limiter.run(host, () => attempt(url, deps)),
    {
      retries: settings.retries,
      baseDelayMs: settings.baseDelayMs ?? 500,
      maxDelayMs: settings.maxDelayMs ?? 30_000,
    },
    deps,
  );
  const fetched = outcome.value;
  if ('error' in fetched) return failed(fetched.error.reason, fetched.error.message + attemptsNote(outcome));
  const { response } = fetched;
  if (response.status < 200 || response.status > 299) return failedStatus(response, outcome, settings);
  const check = await checkImage(response.body, response.headers['content-type'], settings);
  if (!check.ok) return failed(check.reason, `${check.detail} (${response.finalUrl})`);
  const { ext, contentType } = FORMAT_INFO[check.format];
  const key = `originals/${createHash('sha256').update(response.body).digest('hex')}.${ext}`;
  if (!(await deps.blobs.has(key))) await deps.blobs.put(key, response.body, contentType);
  return { status: 'ok', originalKey: key };
}

async function attempt(url: string, deps: FetchImageDeps): Promise<Attempt<Fetched>> {
  const { timeoutMs, maxBytes, maxRedirects } = deps.settings;
  try {
    const response = await deps.http.get(url, { timeoutMs, maxBytes, maxRedirects });
    if (!isRetryableStatus(response.status)) return { retry: false, value: { response } };
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], deps.now());
    return { retry: true, value: { response }, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  } catch (cause) {
    const error =
      cause instanceof HttpClientError
        ? cause
        : new HttpClientError(`network error fetching ${url}: ${String(cause)}`, 'network_error', true, {
            cause,
          });
    return { retry: error.retryable, value: { error } };
  }
}

function failedStatus(response: HttpResponse, outcome: RetryOutcome<Fetched>, settings: DownloadSettings) {
  const base = `HTTP ${response.status} from ${response.finalUrl}`;
  if (outcome.gaveUp === 'retry_after_too_long') {
    const asked = response.headers['retry-after'] ?? '?';
    const cap = settings.maxDelayMs ?? 30_000;
    return failed('rate_limited', `${base} asked to retry after ${asked}, longer than the ${cap} ms we wait`);
  }
  const reason: FailureReason =
    response.status === 404 || response.status === 410
      ? 'not_found'
      : response.status === 429
        ? 'rate_limited'
        : 'http_error';
  return failed(reason, base + attemptsNote(outcome));
}

function attemptsNote(outcome: RetryOutcome<unknown>): string {
  return outcome.attempts > 1 ? ` (after ${outcome.attempts} attempts)` : '';
}
