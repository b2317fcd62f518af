import { HttpClientError } from '#core/errors.ts';
import type { HostLimiter } from '#core/host-limiter.ts';
import type { HostWatchSettings } from '#core/host-pause.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { ConditionalValidators, HttpClient, HttpResponse } from '#core/ports/http-client.ts';
import {
  type Attempt,
  isRetryableStatus,
  parseRetryAfter,
  type RetryOutcome,
  withRetries,
} from '#core/retry.ts';
import type { FailureReason } from '#core/types.ts';
import {
  attemptsNote,
  deferred,
  failed,
  failedStatus,
  failedWithNote,
  type ImageOutcome,
  PATIENCE_DEFAULTS,
  requestsNote,
  shortenUrls,
  shortUrl,
} from './failure-detail.ts';
import type { Admission, HostHealth, HostSignal } from './host-health.ts';

/** Limits and patience of the download stage. */
export interface DownloadSettings {
  timeoutMs: number;
  maxBytes: number;
  /** Retries after the first attempt. */
  retries: number;
  maxPixels: number;
  maxRedirects: number;
  /** Backoff ceiling of the first retry (default PATIENCE_DEFAULTS, as the next two). */
  baseDelayMs?: number;
  /** Longest single wait; a longer Retry-After gives up (1 min). */
  maxDelayMs?: number;
  /** Most time one image may spend waiting between attempts, all waits together (2 min). */
  maxTotalDelayMs?: number;
  /** How a failing or throttling host is paused, and for how long at most per run (host-pause.ts). */
  hosts?: HostWatchSettings;
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
  /** The run's view of its hosts: paused ones make their images wait. */
  health: HostHealth;
  settings: DownloadSettings;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  /** Epoch ms: an image whose host stays paused past it is handed to a later pass instead of waiting. */
  deadline: number;
  /**
   * No later pass will come (the run's last): an image whose host stays paused past `deadline` fails
   * `host_unavailable` instead, so that the invocation ends before its own timeout.
   */
  lastPass?: boolean;
}

/**
 * A usable answer (2xx, or 304 to a conditional GET), or the failure to record (with the HTTP status of the
 * last answer, when the failure was one); with the time spent waiting.
 */
export type FetchResult = ({ response: HttpResponse } | { failure: ImageOutcome; status?: number }) & {
  waitedMs: number;
};

type Held = Exclude<Admission, { kind: 'go' }>;
/** What one request produced. */
type Answered = { response: HttpResponse } | { error: HttpClientError };
type Fetched = Answered | { held: Held };

/**
 * Fetches one image URL with retries (one per-host slot per attempt), conditionally when `conditional` is
 * given. While its host is paused the image waits, and an attempt that failed because the whole host is
 * failing does not count against its retries. Network problems and unusable statuses become a failure.
 * @param sentBefore Requests earlier passes of the run sent for it, for the notes of its detail.
 */
export async function fetchImage(
  url: string,
  deps: FetchImageDeps,
  conditional?: ConditionalValidators,
  sentBefore = 0,
): Promise<FetchResult> {
  let host: string;
  let origin: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      const detail = `unsupported scheme ${parsed.protocol} in ${JSON.stringify(url)}`;
      return { failure: failed('invalid_url', detail), waitedMs: 0 };
    }
    host = parsed.hostname;
    // Politeness is per host name; health judges one server (host and port), so one dead port of a
    // host does not condemn the rest.
    origin = parsed.host;
  } catch {
    return { failure: failed('invalid_url', `not a valid URL: ${JSON.stringify(url)}`), waitedMs: 0 };
  }
  const { settings } = deps;
  const waited = { ms: 0 };
  const target: Target = { url, host, origin, conditional, waited, timeouts: 0, requests: sentBefore };
  const outcome = await withRetries(
    () => chargedAttempt(target, deps),
    {
      retries: settings.retries,
      baseDelayMs: settings.baseDelayMs ?? PATIENCE_DEFAULTS.baseDelayMs,
      maxDelayMs: settings.maxDelayMs ?? PATIENCE_DEFAULTS.maxDelayMs,
      maxTotalDelayMs: settings.maxTotalDelayMs ?? PATIENCE_DEFAULTS.maxTotalDelayMs,
      ...(Number.isFinite(deps.deadline) && { deadline: deps.deadline }),
    },
    deps,
  );
  const held = 'held' in outcome.value ? outcome.value.held : undefined;
  // A deferred image waits for its host until the next pass: count that wait too.
  if (held?.kind === 'deferred') waited.ms += Math.max(1, held.until - deps.now());
  const settled = settle(outcome, target.requests, deps, conditional !== undefined);
  return { ...settled, waitedMs: Math.round(waited.ms) };
}

interface Target {
  url: string;
  host: string;
  origin: string;
  conditional: ConditionalValidators | undefined;
  waited: { ms: number };
  /** Charged attempts of this image that timed out. */
  timeouts: number;
  /** Requests sent for this image in the run, free attempts (the host's failures) included. */
  requests: number;
}

/**
 * Retries after a timeout, at most: each try of a URL that does not answer costs the whole timeout, and one
 * that timed out twice while its host answers others is not going to answer (a host that stops answering as a
 * whole is paused instead, and its images wait without spending retries).
 */
export const TIMEOUT_RETRIES = 1;

/**
 * One attempt that counts against the image's retries. Attempts that fail while the host as a whole is
 * paused or failing are free: the image waits for the host and tries again.
 */
async function chargedAttempt(t: Target, deps: FetchImageDeps): Promise<Attempt<Fetched>> {
  for (;;) {
    // Only a wait for a paused (or probing) host counts: an open host admits at once, and the event loop's own
    // delay across the await would count every image of a busy run as having waited for a paused host.
    const held = !deps.health.mayGo(t.origin, false);
    const before = deps.now();
    const admission = await deps.health.admit(t.origin, t.url, deps.deadline);
    if (held) t.waited.ms += deps.now() - before;
    if (admission.kind !== 'go') return { retry: false, value: { held: admission } };
    const ran = await deps.limiter.run(t.host, async () => {
      if (!deps.health.mayGo(t.origin, admission.probe)) return undefined;
      // The pace is taken only by a request about to be sent; the host may have been paused meanwhile.
      if (deps.limiter.pacer) {
        await deps.limiter.pacer.start(t.host);
        if (!deps.health.mayGo(t.origin, admission.probe)) return undefined;
      }
      let recorded = false;
      try {
        t.requests++;
        const result = await attempt(t.url, deps, t.conditional);
        const pauses = deps.health.pausesOf(t.origin);
        const hostToBlame = deps.health.record(t.origin, t.url, signalOf(result), admission.probe);
        paceBy(result, t, deps, deps.health.pausesOf(t.origin) > pauses);
        recorded = true;
        return { result, hostToBlame };
      } finally {
        // Whatever happened, a probe must answer, or the host's other images would wait for ever.
        if (!recorded) deps.health.record(t.origin, t.url, ABANDONED, admission.probe);
      }
    });
    if (!ran) continue;
    const { result, hostToBlame } = ran;
    // An attempt the host as a whole refused is free: the image waits for the host and tries again. Its own
    // failures (and a Retry-After for it alone) go through the retry policy.
    if (result.retry && hostToBlame) continue;
    if (result.retry && 'error' in result.value && result.value.error.reason === 'timeout') {
      t.timeouts++;
      if (t.timeouts > TIMEOUT_RETRIES) return { retry: false, value: result.value };
    }
    return result;
  }
}

/**
 * What the host's pacer learns from an answer: a 429 or 503 that paused the host slows it down, a usable
 * answer speeds it up. One URL's own 429s or 503s (which pause nothing) leave the pace alone: a catalog whose
 * few broken URLs answer 503 on every retry must not crawl. The run's host report notes the pace it slowed to.
 */
function paceBy(result: Attempt<Answered>, t: Target, deps: FetchImageDeps, paused: boolean): void {
  const { pacer } = deps.limiter;
  const status = 'response' in result.value ? result.value.response.status : undefined;
  if (!pacer || status === undefined) return;
  if (status === 429 || status === 503) {
    if (!paused) return;
    pacer.slowDown(t.host);
  } else if (!result.retry) pacer.speedUp(t.host);
  else return;
  deps.health.notePace(t.origin, pacer.rate(t.host));
}

const ABANDONED: HostSignal = { kind: 'fault', reason: 'network_error', detail: 'the request was abandoned' };

/**
 * The pause a throttling answer asks of its host: a 429 or 503 with a Retry-After asks for that long; a 429
 * without one still says "too many requests", and pauses the host THROTTLE_PAUSE_MS. Undefined for anything
 * else (a 503 without Retry-After is a fault, for the breaker).
 */
function throttlePause(result: Attempt<Answered>): number | undefined {
  if (!result.retry || !('response' in result.value)) return undefined;
  const { status } = result.value.response;
  const asked =
    result.retryAfterMs !== undefined && result.retryAfterMs > 0 ? result.retryAfterMs : undefined;
  if (status === 429) return asked ?? THROTTLE_PAUSE_MS;
  return status === 503 ? asked : undefined;
}

/** How long a 429 without a Retry-After pauses its host (and the pacer slows it down). */
export const THROTTLE_PAUSE_MS = 1000;

/** What an attempt says about its host. */
function signalOf(result: Attempt<Answered>): HostSignal {
  if (!result.retry) return { kind: 'ok' };
  const pauseMs = throttlePause(result);
  if (pauseMs !== undefined && 'response' in result.value) {
    const { status, finalUrl } = result.value.response;
    return {
      kind: 'throttled',
      retryAfterMs: pauseMs,
      detail: `HTTP ${status} from ${shortUrl(finalUrl)}`,
      answer: `HTTP ${status}`,
      asked: result.retryAfterMs !== undefined && result.retryAfterMs > 0,
    };
  }
  return { kind: 'fault', ...describeFault(result.value) };
}

/**
 * The image's result from the retry loop's last value. Notes count `requests`, the requests actually sent: an
 * attempt the host as a whole refused was free (not one of the image's retries), but it was still sent.
 */
function settle(
  retried: RetryOutcome<Fetched>,
  requests: number,
  deps: FetchImageDeps,
  conditional: boolean,
) {
  const fetched = retried.value;
  const { settings } = deps;
  if ('held' in fetched) {
    const note = requestsNote(requests);
    if (fetched.held.kind === 'unavailable') {
      return { failure: failedWithNote('host_unavailable', fetched.held.detail, note) };
    }
    const at = new Date(fetched.held.until).toISOString();
    if (deps.lastPass) {
      const detail = `the host is paused until ${at}, past the time left to the run's last pass`;
      return { failure: failedWithNote('host_unavailable', detail, note) };
    }
    return { failure: deferred(`deferred: the host is paused until ${at}${note}`) };
  }
  if (retried.gaveUp === 'deadline' && !deps.lastPass) {
    return {
      failure: deferred(`deferred: waiting to retry would pass this pass's time${requestsNote(requests)}`),
    };
  }
  // Each value here is the answer to a request, so at least as many were sent as the loop counted.
  const outcome = { ...retried, attempts: Math.max(retried.attempts, requests) };
  if ('error' in fetched) {
    const detail = shortenUrls(fetched.error.message) + attemptsNote(outcome, settings);
    return { failure: failed(fetched.error.reason, detail) };
  }
  const { status } = fetched.response;
  const usable = (status >= 200 && status <= 299) || (status === 304 && conditional);
  if (usable) return { response: fetched.response };
  return { failure: failedStatus(fetched.response, outcome, settings), status };
}

// What a retryable attempt (timeout, dropped connection, 429, 5xx) says about its host.
function describeFault(fetched: Answered): { reason: FailureReason; detail: string } {
  if ('error' in fetched) return { reason: fetched.error.reason, detail: shortenUrls(fetched.error.message) };
  const { status, finalUrl } = fetched.response;
  const reason = status === 429 ? 'rate_limited' : 'http_error';
  return { reason, detail: `HTTP ${status} from ${shortUrl(finalUrl)}` };
}

async function attempt(
  url: string,
  deps: FetchImageDeps,
  conditional: ConditionalValidators | undefined,
): Promise<Attempt<Answered>> {
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
