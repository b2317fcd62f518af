import { capDetail, MAX_DETAIL } from '#core/failure-reasons.ts';
import { formatDuration } from '#core/format-duration.ts';
import { HOST_WATCH_DEFAULTS } from '#core/host-pause.ts';
import type { HttpResponse } from '#core/ports/http-client.ts';
import type { RetryOutcome } from '#core/retry.ts';
import { truncate } from '#core/truncate.ts';
import type { DownloadedImage, FailedImage, FailureReason, PendingImage } from '#core/types.ts';

/** The download-stage fields of an ImageRecord. */
export type ImageOutcome =
  | Omit<PendingImage, 'url'>
  | Omit<FailedImage, 'url'>
  | Omit<DownloadedImage, 'url'>;

/** URLs in a detail are cut to this length (a redirect may point anywhere, at any length). */
const MAX_SHOWN_URL = 200;

/** A 'failed' outcome whose detail is one line, cut to a length the next stages accept. */
export function failed(reason: FailureReason, detail: string): ImageOutcome {
  return {
    status: 'failed',
    reason,
    detail: capDetail(oneLine(detail)),
  };
}

/** A 'failed' outcome whose detail ends with `note` however long the rest is: the rest is cut instead. */
export function failedWithNote(reason: FailureReason, detail: string, note: string): ImageOutcome {
  return failed(reason, truncate(oneLine(detail), MAX_DETAIL - note.length) + note);
}

/** An image left 'pending' for a later pass of the run, because its host is still paused. */
export function deferred(detail: string): ImageOutcome {
  return { status: 'pending', detail: capDetail(oneLine(detail)) };
}

/** Whitespace runs (a decoder's or OpenSSL's line breaks) as one space, trimmed. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cuts a URL for a message, keeping its start (scheme, host, path). */
export function shortUrl(url: string): string {
  return url.length > MAX_SHOWN_URL ? `${url.slice(0, MAX_SHOWN_URL - 3)}...` : url;
}

/** Cuts every URL an error message quotes. */
export function shortenUrls(text: string): string {
  return text.replace(/\bhttps?:\/\/\S+/g, (url) => shortUrl(url));
}

/** ' (after N requests)', or ' (not tried)' when none was sent: the note of an image its host held back. */
export function requestsNote(requests: number): string {
  if (requests === 0) return ' (not tried)';
  return ` (after ${requests} ${requests === 1 ? 'request' : 'requests'})`;
}

/** The requests a held image's detail (requestsNote) says were sent for it; 0 when it says none. */
export function requestsNoted(detail: string | undefined): number {
  const match = detail?.match(/ \(after (\d+) requests?\)$/);
  return match ? Number(match[1]) : 0;
}

/** Patience settings the failure details quote. */
export interface PatienceLimits {
  maxDelayMs?: number;
  maxTotalDelayMs?: number;
}

/**
 * How patient one image is, unless settings say otherwise; defined once. The longest single wait is the
 * longest a host is ever paused for a Retry-After (HOST_WATCH_DEFAULTS.maxPauseMs), so a URL throttled on
 * its own is honoured as long as a throttled host is.
 */
export const PATIENCE_DEFAULTS = {
  baseDelayMs: 500,
  maxDelayMs: HOST_WATCH_DEFAULTS.maxPauseMs,
  maxTotalDelayMs: 2 * HOST_WATCH_DEFAULTS.maxPauseMs,
} as const;

/** The outcome of a final answer that is not an image: its reason by status, with how the retries went. */
export function failedStatus(
  response: HttpResponse,
  outcome: RetryOutcome<unknown>,
  limits: PatienceLimits,
): ImageOutcome {
  const { status } = response;
  const reason: FailureReason =
    status === 404 || status === 410 ? 'not_found' : status === 429 ? 'rate_limited' : 'http_error';
  let base = `HTTP ${status} from ${shortUrl(response.finalUrl)}`;
  if (status >= 300 && status < 400 && status !== 304 && !response.headers.location) {
    base += ' without a Location header';
  }
  if (outcome.gaveUp === 'retry_after_too_long') {
    const asked = JSON.stringify(response.headers['retry-after'] ?? '?')
      .slice(1, -1)
      .slice(0, 40);
    const cap = formatDuration(limits.maxDelayMs ?? PATIENCE_DEFAULTS.maxDelayMs);
    const wait = /^\d+$/.test(asked) ? `${asked} s` : asked;
    return failed(reason, `${base} asked to retry after ${wait}, longer than the ${cap} we wait`);
  }
  return failed(reason, base + attemptsNote(outcome, limits));
}

/** ' (after N attempts)', or why the retries stopped early; empty after a single attempt. */
export function attemptsNote(outcome: RetryOutcome<unknown>, limits: PatienceLimits): string {
  if (outcome.gaveUp === 'budget_spent') {
    const budget = formatDuration(limits.maxTotalDelayMs ?? PATIENCE_DEFAULTS.maxTotalDelayMs);
    return `; gave up after ${outcome.attempts} attempts: waiting again would pass ${budget} in all`;
  }
  if (outcome.gaveUp === 'deadline') {
    const attempts = `${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}`;
    return `; gave up after ${attempts}: waiting again would pass the time the run's last pass has left`;
  }
  return outcome.attempts > 1 ? ` (after ${outcome.attempts} attempts)` : '';
}
