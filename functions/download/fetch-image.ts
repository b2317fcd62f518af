import { HttpClientError } from '../../core/errors.ts';
import type { HostLimiter } from '../../core/host-limiter.ts';
import type { BlobStore } from '../../core/ports/blob-store.ts';
import type { ConditionalValidators, HttpClient, HttpResponse } from '../../core/ports/http-client.ts';
import {
  type Attempt,
  isRetryableStatus,
  parseRetryAfter,
  type RetryOutcome,
  withRetries,
} from '../../core/retry.ts';
import {
  attemptsNote,
  failed,
  failedStatus,
  type ImageOutcome,
  shortenUrls,
  shortUrl,
} from './failure-detail.ts';
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
  /** Ignore what earlier runs learnt about each URL (and ok records in the batch): fetch everything afresh. */
  forceRefresh?: boolean;
  /** Longest a host's Cache-Control / Expires may spare us a request (default 7 days). */
  maxFreshnessMs?: number;
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

/** A usable answer (2xx, or 304 to a conditional GET), or the failure to record. */
export type FetchResult = { response: HttpResponse } | { failure: ImageOutcome };

type Fetched = { response: HttpResponse } | { error: HttpClientError } | { tripped: Tripped };

/**
 * Fetches one image URL with retries (one per-host slot per attempt), conditionally when `conditional` is
 * given. Network problems and unusable statuses become a failure; a host the breaker has given up on is not
 * asked at all.
 */
export async function fetchImage(
  url: string,
  deps: FetchImageDeps,
  conditional?: ConditionalValidators,
): Promise<FetchResult> {
  let host: string;
  let origin: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return {
        failure: failed('invalid_url', `unsupported scheme ${parsed.protocol} in ${JSON.stringify(url)}`),
      };
    }
    host = parsed.hostname;
    // Politeness is per host name; the breaker judges one server (host and port), so one dead port of a
    // host does not condemn the rest.
    origin = parsed.host;
  } catch {
    return { failure: failed('invalid_url', `not a valid URL: ${JSON.stringify(url)}`) };
  }
  const { settings, breaker } = deps;
  const tripped = breaker.check(origin);
  if (tripped) return { failure: failed(tripped.reason, tripped.detail) };
  const outcome = await withRetries(
    () =>
      deps.limiter.run(host, async (): Promise<Attempt<Fetched>> => {
        const open = breaker.check(origin);
        if (open) return { retry: false, value: { tripped: open } };
        const result = await attempt(url, deps, conditional);
        breaker.record(origin, result.retry ? describeFault(result.value) : undefined);
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
  return settle(outcome, settings, conditional !== undefined);
}

function settle(
  outcome: RetryOutcome<Fetched>,
  settings: DownloadSettings,
  conditional: boolean,
): FetchResult {
  const fetched = outcome.value;
  if ('tripped' in fetched) {
    const tried = outcome.attempts - 1;
    const detail =
      tried > 0
        ? fetched.tripped.detail.replace(/^not tried/, `stopped after ${tried} attempt(s)`)
        : fetched.tripped.detail;
    return { failure: failed(fetched.tripped.reason, detail) };
  }
  if ('error' in fetched) {
    const detail = shortenUrls(fetched.error.message) + attemptsNote(outcome, settings);
    return { failure: failed(fetched.error.reason, detail) };
  }
  const { status } = fetched.response;
  const usable = (status >= 200 && status <= 299) || (status === 304 && conditional);
  return usable ? fetched : { failure: failedStatus(fetched.response, outcome, settings) };
}

// What a retryable attempt (timeout, dropped connection, 429, 5xx) says about its host, for the breaker.
function describeFault(fetched: Fetched): Tripped {
  if ('error' in fetched) return { reason: fetched.error.reason, detail: shortenUrls(fetched.error.message) };
  if ('tripped' in fetched) return fetched.tripped;
  const { status, finalUrl } = fetched.response;
  const reason = status === 429 ? 'rate_limited' : 'http_error';
  return { reason, detail: `HTTP ${status} from ${shortUrl(finalUrl)}` };
}

async function attempt(
  url: string,
  deps: FetchImageDeps,
  conditional: ConditionalValidators | undefined,
): Promise<Attempt<Fetched>> {
  const { timeoutMs, maxBytes, maxRedirects } = deps.settings;
  try {
    const options = { timeoutMs, maxBytes, maxRedirects, ...(conditional ? { conditional } : {}) };
    const response = await deps.http.get(url, options);
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
