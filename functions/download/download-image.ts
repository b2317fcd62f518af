import { createHash } from 'node:crypto';
import { originalKey } from '#core/contracts/run-layout.ts';
import { capDetail } from '#core/failure-reasons.ts';
import { checkImage, FORMAT_INFO } from '#core/image/check.ts';
import type { ConditionalValidators, HttpResponse } from '#core/ports/http-client.ts';
import { failed, type ImageOutcome, shortUrl } from './failure-detail.ts';
import { type FetchImageDeps, fetchImage } from './fetch-image.ts';
import {
  readUrlRecord,
  recordAnswer,
  type UrlRecord,
  urlRecordKey,
  validatorsOf,
  writeUrlRecord,
} from './url-record.ts';

/**
 * Downloads one image politely, using what the last run learnt about its URL: a copy the host said is still
 * fresh is reused without a request; a stale one with an ETag or Last-Modified is revalidated (a 304 reuses
 * it); anything else, or `forceRefresh`, is a plain GET. A new body must be a whole image; it is stored under
 * `originals/<sha256>.<ext>` and the URL's record rewritten. Only BlobStore failures throw.
 * @param sentBefore Requests earlier passes of the run sent for it (its details count them).
 */
export async function downloadImage(
  url: string,
  deps: FetchImageDeps,
  sentBefore = 0,
): Promise<ImageOutcome> {
  const known = deps.settings.forceRefresh ? undefined : await usableRecord(url, deps);
  if (known && isFresh(known, deps.now())) return { status: 'downloaded', originalKey: known.originalKey };
  const previous = known && validatorsOf(known);
  const fetched = await fetchImage(url, deps, previous, sentBefore);
  const waited = fetched.waitedMs > 0 ? { waitedMs: fetched.waitedMs } : {};
  if ('failure' in fetched) {
    if (isPassing(fetched.failure, fetched.status)) {
      if (known) return keptCopy(known, fetched.failure, waited);
    } else if (fetched.status !== undefined) {
      // The host's word about the image (404, another 4xx): a later run must ask again, not reuse the copy a
      // still-fresh record names (a --force-refresh run that met the 404 left the record of the run before).
      // Best effort: a record that stays is the behaviour of before, not a reason to fail the batch.
      await deps.blobs.delete(urlRecordKey(url)).catch(() => undefined);
    }
    return { ...fetched.failure, ...waited };
  }
  const { response } = fetched;
  if (response.status === 304 && known) {
    await remember(url, known.originalKey, response, deps, previous);
    return { status: 'downloaded', originalKey: known.originalKey, ...waited };
  }
  const outcome = await storeOriginal(response, deps);
  if (outcome.status === 'downloaded') await remember(url, outcome.originalKey, response, deps);
  return { ...outcome, ...waited };
}

/**
 * A failure that says nothing about the image itself: the host throttled, timed out, dropped the connection,
 * answered 5xx or stayed paused. A 404, another 4xx or a refused address is the host's answer about the image.
 */
function isPassing(failure: ImageOutcome, httpStatus: number | undefined): boolean {
  if (failure.status !== 'failed') return false;
  if (failure.reason === 'http_error')
    return httpStatus !== undefined && httpStatus >= 500 && httpStatus <= 599;
  return ['rate_limited', 'timeout', 'network_error', 'host_unavailable'].includes(failure.reason);
}

/**
 * The copy an earlier run stored, kept when revalidating it failed for a passing reason: a re-run against a
 * throttling or struggling host must not drop images it already has. The detail says so, and why.
 */
function keptCopy(known: UrlRecord, failure: ImageOutcome, waited: { waitedMs?: number }): ImageOutcome {
  const why = failure.status === 'failed' ? (failure.detail ?? failure.reason) : '';
  return {
    status: 'downloaded',
    originalKey: known.originalKey,
    detail: capDetail(`kept the copy stored ${known.fetchedAt}: revalidating it failed (${why})`),
    kept: true,
    ...waited,
  };
}

/** The URL's record when it is readable and its original is still stored. */
async function usableRecord(url: string, deps: FetchImageDeps): Promise<UrlRecord | undefined> {
  const record = await readUrlRecord(deps.blobs, url);
  return record && (await deps.blobs.has(record.originalKey)) ? record : undefined;
}

function isFresh(record: UrlRecord, nowMs: number): boolean {
  return record.maxAgeUntil !== undefined && nowMs < Date.parse(record.maxAgeUntil);
}

async function remember(
  url: string,
  originalKey: string,
  response: HttpResponse,
  deps: FetchImageDeps,
  previous?: ConditionalValidators,
): Promise<void> {
  const { maxFreshnessMs } = deps.settings;
  const record = recordAnswer(url, originalKey, response.headers, deps.now(), maxFreshnessMs, previous);
  await writeUrlRecord(deps.blobs, record);
}

async function storeOriginal(response: HttpResponse, deps: FetchImageDeps): Promise<ImageOutcome> {
  const check = await checkImage(response.body, response.headers['content-type'], deps.settings);
  if (!check.ok) return failed(check.reason, `${check.detail} (${shortUrl(response.finalUrl)})`);
  const { ext, contentType } = FORMAT_INFO[check.format];
  const key = originalKey(createHash('sha256').update(response.body).digest('hex'), ext);
  if (!(await deps.blobs.has(key))) await deps.blobs.put(key, response.body, contentType);
  return { status: 'downloaded', originalKey: key };
}
