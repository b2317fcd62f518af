import type { HostLimiter } from '../../core/host-limiter.ts';
import type { BlobStore } from '../../core/ports/blob-store.ts';
import type { HttpClient } from '../../core/ports/http-client.ts';
import type { Batch, ImageRecord } from '../../core/types.ts';
import { downloadImage } from './download-image.ts';
import type { ImageOutcome } from './failure-detail.ts';
import type { DownloadSettings, FetchImageDeps } from './fetch-image.ts';
import { HostBreaker } from './host-breaker.ts';
import { canonicalUrl } from './url-record.ts';

export type { DownloadSettings } from './fetch-image.ts';

/** What the download stage needs; clocks are optional and default to real time. */
export interface DownloadDeps {
  http: HttpClient;
  blobs: BlobStore;
  /** Shared by every download of the process, so hosts see at most `perKey` requests from us at once. */
  limiter: HostLimiter;
  /** Shared like the limiter, so a dead host is given up on across batches; default: one per call. */
  breaker?: HostBreaker;
  settings: DownloadSettings;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Called once per image record when its download state is final. */
  onImage?: (record: ImageRecord, productId: string) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Downloads every image of a batch: each distinct URL once, concurrently within per-host limits; checks each is
 * a whole image and stores it content-addressed. What earlier runs learnt about a URL (`urls/<sha256>.json`)
 * spares the host: a fresh copy is reused without a request, a stale one is revalidated with a conditional GET.
 * Returns a new batch with each record 'ok' (+ originalKey) or 'failed' (+ reason, detail), in catalog order.
 * Records already 'ok' whose original exists are kept as they are (unless `settings.forceRefresh`).
 * One bad image never fails the batch; a BlobStore failure does, after every other image has settled.
 */
export async function runDownload(batch: Batch, deps: DownloadDeps): Promise<Batch> {
  const now = deps.now ?? Date.now;
  const { hostFailureLimit, hostCooldownMs } = deps.settings;
  const fetchDeps: FetchImageDeps = {
    http: deps.http,
    blobs: deps.blobs,
    limiter: deps.limiter,
    breaker: deps.breaker ?? new HostBreaker(hostFailureLimit, hostCooldownMs, now),
    settings: deps.settings,
    sleep: deps.sleep ?? realSleep,
    random: deps.random ?? Math.random,
    now,
  };
  const jobs = new Map<string, Promise<ImageOutcome>>();
  const fetchOnce = (url: string) => {
    const key = canonicalUrl(url);
    let job = jobs.get(key);
    if (!job) {
      job = downloadImage(url, fetchDeps);
      jobs.set(key, job);
    }
    return job;
  };

  const errors: unknown[] = [];
  const settle = async (record: ImageRecord, productId: string): Promise<ImageRecord> => {
    try {
      const next = (await keep(record, deps))
        ? record
        : { url: record.url, ...(await fetchOnce(record.url)) };
      deps.onImage?.(next, productId);
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
  return { runId: batch.runId, items };
}

/** True for a record a previous run already downloaded, whose original is still stored. */
async function keep(record: ImageRecord, deps: DownloadDeps): Promise<boolean> {
  if (deps.settings.forceRefresh || record.status !== 'ok' || record.originalKey === undefined) return false;
  return deps.blobs.has(record.originalKey);
}
