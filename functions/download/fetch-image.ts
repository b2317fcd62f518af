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
import type { HostBreaker, Tripped } from './host-breaker.ts';

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
  /** Longest single wait; a longer Retry-After gives up (default 30 s). */
  maxDelayMs?: number;
  /** Most time one image may spend waiting between attempts, all waits together (default 60 s). */
  maxTotalDelayMs?: number;
  /** Requests to one host failing in a row (timeouts, 5xx, ...) after which its images are not tried (10). */
  hostFailureLimit?: number;
  /** How long such a host is left alone (default 60 s). */
  hostCooldownMs?: number;
}

/** What fetching one image needs, with clocks already defaulted. */
export interface FetchImageDeps {
  http: HttpClient;
  blobs: BlobStore;
  limiter: HostLimiter;
  breaker: HostBreaker;
  settings: DownloadSettings;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
}

/** The download-stage fields of an ImageRecord. */
export type ImageOutcome = Pick<ImageRecord, 'status' | 'reason' | 'detail' | 'originalKey'>;

type Fetched = { response: HttpResponse } | { error: HttpClientError } | { tripped: Tripped };

/** Longest detail recorded: the next stages refuse records whose detail passes 4096 characters. */
const MAX_DETAIL = 1000;
/** URLs in a detail are cut to this length (a redirect may point anywhere, at any length). */
const MAX_SHOWN_URL = 200;

const failed = (reason: FailureReason, detail: string): ImageOutcome => ({
  status: 'failed',
  reason,
  detail: detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL - 3)}...` : detail,
});

/** Cuts a URL for a message, keeping its start (scheme, host, path). */
export function shortUrl(url: string): string {
  return url.length > MAX_SHOWN_URL ? `${url.slice(0, MAX_SHOWN_URL - 3)}...` : url;
}

/**
 * Fetches one image URL with retries (one per-host slot per attempt), checks it is a whole image and stores it
 * under `originals/<sha256>.<ext>`. Image and network problems become a 'failed' outcome; only BlobStore
 * failures throw. A host the breaker has given up on is not asked at all.
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
  const { settings, breaker } = deps;
  const tripped = breaker.check(host);
  if (tripped) return failed(tripped.reason, tripped.detail);
  const outcome = await withRetries(
    () =>
      deps.limiter.run(host, async (): Promise<Attempt<Fetched>> => {
        const open = breaker.check(host);
        if (open) return { retry: false, value: { tripped: open } };
        const result = await attempt(url, deps);
        breaker.record(host, result.retry ? describeFault(result.value) : undefined);
        return result;
      }),
    {
      retries: settings.retries,
      baseDelayMs: settings.baseDelayMs ?? 500,
      maxDelayMs: settings.maxDelayMs ?? 30_000,
      maxTotalDelayMs: settings.maxTotalDelayMs ?? 60_000,
    },
    deps,
  );
  const fetched = outcome.value;
  if ('tripped' in fetched) {
    const tried = outcome.attempts - 1;
    const detail =
      tried > 0
        ? fetched.tripped.detail.replace(/^not tried/, `stopped after ${tried} attempt(s)`)
        : fetched.tripped.detail;
    return failed(fetched.tripped.reason, detail);
  }
  return settle(fetched, outcome, deps);
}

// What a retryable attempt (timeout, dropped connection, 429, 5xx) says about its host, for the breaker.
function describeFault(fetched: Fetched): Tripped {
  if ('error' in fetched) return { reason: fetched.error.reason, detail: shortenUrls(fetched.error.message) };
  if ('tripped' in fetched) return fetched.tripped;
  const { status, finalUrl } = fetched.response;
  const reason = status === 429 ? 'rate_limited' : 'http_error';
  return { reason, detail: `HTTP ${status} from ${shortUrl(finalUrl)}` };
}

async function settle(
  fetched: { response: HttpResponse } | { error: HttpClientError },
  outcome: RetryOutcome<Fetched>,
  deps: FetchImageDeps,
): Promise<ImageOutcome> {
  const { settings } = deps;
  if ('error' in fetched) {
    return failed(fetched.error.reason, shortenUrls(fetched.error.message) + attemptsNote(outcome, settings));
  }
  const { response } = fetched;
  if (response.status < 200 || response.status > 299) return failedStatus(response, outcome, settings);
  const check = await checkImage(response.body, response.headers['content-type'], settings);
  if (!check.ok) return failed(check.reason, `${check.detail} (${shortUrl(response.finalUrl)})`);
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
  const { status } = response;
  const reason: FailureReason =
    status === 404 || status === 410 ? 'not_found' : status === 429 ? 'rate_limited' : 'http_error';
  let base = `HTTP ${status} from ${shortUrl(response.finalUrl)}`;
  if (status >= 300 && status < 400 && !response.headers.location) base += ' without a Location header';
  if (outcome.gaveUp === 'retry_after_too_long') {
    const asked = JSON.stringify(response.headers['retry-after'] ?? '?')
      .slice(1, -1)
      .slice(0, 40);
    const cap = settings.maxDelayMs ?? 30_000;
    return failed(reason, `${base} asked to retry after ${asked}, longer than the ${cap} ms we wait`);
  }
  return failed(reason, base + attemptsNote(outcome, settings));
}

function attemptsNote(outcome: RetryOutcome<unknown>, settings: DownloadSettings): string {
  if (outcome.gaveUp === 'budget_spent') {
    const budget = settings.maxTotalDelayMs ?? 60_000;
    return `; gave up after ${outcome.attempts} attempts: waiting again would pass ${budget} ms in all`;
  }
  return outcome.attempts > 1 ? ` (after ${outcome.attempts} attempts)` : '';
}

// Error messages quote the URLs they are about; keep each one short.
function shortenUrls(text: string): string {
  return text.replace(/\bhttps?:\/\/\S+/g, (url) => shortUrl(url));
}
