import { setTimeout as sleepFor } from 'node:timers/promises';
import type { HostLimiter } from '#core/host-limiter.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { HttpClient } from '#core/ports/http-client.ts';
import { type Batch, type ImageRecord, isUsable } from '#core/types.ts';
import { downloadImage } from './download-image.ts';
import { type ImageOutcome, requestsNoted } from './failure-detail.ts';
import type { DownloadSettings, FetchImageDeps } from './fetch-image.ts';
import { HostHealth, type HostPauseEvent } from './host-health.ts';
import { hostPausesKey, MAX_STALLED_PASSES } from './host-report.ts';
import { canonicalUrl } from './url-record.ts';

export type { DownloadSettings } from './fetch-image.ts';

/** What the download stage needs; clocks are optional and default to real time. */
export interface DownloadDeps {
  http: HttpClient;
  blobs: BlobStore;
  /** Shared by every download of the process, so hosts see at most `perKey` requests from us at once. */
  limiter: HostLimiter;
  /** The run's host health, shared by its batches in this process; default: one per call. */
  health?: HostHealth | ((runId: string) => HostHealth);
  settings: DownloadSettings;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /**
   * Epoch ms after which an image whose host is still paused is handed back 'pending' (the state machine
   * tries it in a later pass) instead of waiting; the Lambda handler sets it from the invocation's time left.
   */
  deadline?: number;
  /** Called once per image record when its download state is final. */
  onImage?: (record: ImageRecord, productId: string) => void;
  /** Called when a host is paused or resumes (progress display). */
  onHostPause?: (event: HostPauseEvent) => void;
}

/** A download result: the batch, with `deferral` when some of its images wait for a later pass. */
export type DownloadedBatch = Batch;

/**
 * Downloads every image of a batch: each distinct URL once, concurrently within per-host limits; checks each is
 * a whole image and stores it content-addressed. What earlier runs learnt about a URL (`urls/<sha256>.json`)
 * spares the host: a fresh copy is reused without a request, a stale one is revalidated with a conditional GET.
 * A paused host's images wait for it (within the run's pause budget, then `host_unavailable`); those whose host
 * is still paused at `deps.deadline` stay 'pending' and the result carries a `deferral` for a later pass, which
 * tries only them. Returns a new batch with each record 'ok' (+ originalKey) or 'failed' (+ reason, detail), in
 * catalog order. Records already 'ok' whose original exists are kept (unless `settings.forceRefresh`).
 * One bad image never fails the batch; a BlobStore failure does, after every other image has settled.
 */
export async function runDownload(batch: DownloadedBatch, deps: DownloadDeps): Promise<DownloadedBatch> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? sleepFor;
  const passes = (batch.deferral?.passes ?? 0) + 1;
  const stalled = batch.deferral?.stalled ?? 0;
  const health =
    typeof deps.health === 'function'
      ? deps.health(batch.runId)
      : (deps.health ?? new HostHealth(deps.settings.hosts, now, sleep, deps.onHostPause));
  const report = hostPausesKey(batch);
  const earlier = batch.deferral ? await report.read(deps.blobs) : [];
  health.restore(earlier);
  const fetchDeps: FetchImageDeps = {
    http: deps.http,
    blobs: deps.blobs,
    limiter: deps.limiter,
    health,
    settings: deps.settings,
    sleep,
    random: deps.random ?? Math.random,
    now,
    deadline: deps.deadline ?? Number.POSITIVE_INFINITY,
    // The last pass may not hand images on: they wait for their host within the time left, then fail.
    lastPass: stalled + 1 >= MAX_STALLED_PASSES,
  };
  const jobs = new Map<string, Promise<ImageOutcome>>();
  const fetchOnce = (record: ImageRecord) => {
    const key = canonicalUrl(record.url);
    let job = jobs.get(key);
    if (!job) {
      // A pending image says what an earlier pass sent for it; its details count the run's requests.
      const sentBefore = record.status === 'pending' ? requestsNoted(record.detail) : 0;
      job = downloadImage(record.url, fetchDeps, sentBefore);
      jobs.set(key, job);
    }
    return job;
  };

  const errors: unknown[] = [];
  const hosts = new Set<string>();
  const settle = async (record: ImageRecord, productId: string): Promise<ImageRecord> => {
    try {
      if (await keep(record, deps, batch.deferral !== undefined)) return record;
      hosts.add(originOf(record.url));
      const outcome = await fetchOnce(record);
      const waitedMs = (record.waitedMs ?? 0) + (outcome.waitedMs ?? 0);
      const next = { url: record.url, ...outcome, ...(waitedMs > 0 && { waitedMs }) } as ImageRecord;
      if (next.status !== 'pending') deps.onImage?.(next, productId);
      return next;
    } catch (error) {
      errors.push(error);
      return record;
    }
  };

  const items = await Promise.all(
    batch.items.map(async (product) => ({
      ...product,
      images: await Promise.all(product.images.map((record) => settle(record, product.id))),
    })),
  );
  if (errors.length > 0) throw errors[0];
  const waiting = items.flatMap((p) => p.images).filter((i) => i.status === 'pending');
  // The report is rewritten each pass, so it keeps the hosts earlier passes saw paused. A pause that outlasts
  // the batch counts only the time it ran; one that images still wait for counts in full.
  const reported = [...hosts, ...earlier.map((p) => p.host)];
  const pauses = health.report(reported, { ended: waiting.length === 0 });
  if (pauses.length > 0) await report.write(deps.blobs, pauses);
  if (waiting.length === 0) return { runId: batch.runId, items };
  // The next pass when the first host an image waits for resumes: the hosts of the waiting images only (another
  // host of the batch that resumed must not call them back early). Images that ran out of time retrying on
  // their own (their host not paused) go again after a second.
  const waitingOn = new Set(waiting.map((i) => originOf(i.url)));
  const untils = pauses.filter((p) => waitingOn.has(p.host)).map((p) => p.pausedUntil ?? now());
  const resumes = untils.length > 0 ? Math.min(...untils) : now();
  const waitSeconds = Math.min(Math.max(1, Math.ceil((resumes - now()) / 1000)), 3600);
  // A later pass that settled none of the images handed to it brings the batch closer to its last pass.
  const stalledNow = stalled + (batch.deferral && waiting.length >= batch.deferral.images ? 1 : 0);
  const deferral = {
    images: waiting.length,
    waitSeconds,
    passes,
    ...(stalledNow > 0 && { stalled: stalledNow }),
  };
  return { runId: batch.runId, items, deferral };
}

/**
 * True for a record this pass leaves as it is: in a later pass, everything but the images still pending; in the
 * first, a record a previous run already downloaded whose original is still stored.
 */
async function keep(record: ImageRecord, deps: DownloadDeps, laterPass: boolean): Promise<boolean> {
  if (laterPass) return record.status !== 'pending';
  if (deps.settings.forceRefresh || !isUsable(record)) return false;
  return deps.blobs.has(record.originalKey);
}

function originOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
