import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type Batch, type FailureReason, type ImageRecord, isUsable } from '#core/types.ts';
import type { MetricPoint, Reporter } from './middleware.ts';

type Counts = { ok: number; failed: Partial<Record<FailureReason, number>>; pending: number; total: number };

function count(batch: Partial<Batch> | undefined): Counts {
  const c: Counts = { ok: 0, failed: {}, pending: 0, total: 0 };
  for (const item of batch?.items ?? []) {
    for (const image of item.images ?? []) {
      c.total++;
      if (isUsable(image)) c.ok++;
      else if (image.status === 'pending') c.pending++;
      else tally(c.failed, image);
    }
  }
  return c;
}

function tally(failed: Counts['failed'], image: ImageRecord): void {
  const reason = image.status === 'failed' ? image.reason : 'http_error';
  failed[reason] = (failed[reason] ?? 0) + 1;
}

/** The event's batch, from a Batch or the Distributed Map's `{ Items, BatchInput }`. */
function batchOf(event: unknown): Partial<Batch> {
  const e = event as { items?: Batch['items']; Items?: Batch['items'] } | undefined;
  return { items: e?.items ?? e?.Items ?? [] };
}

/** Failures this stage added (its input's failures were counted by the stage that made them). */
function newFailures(before: Counts, after: Counts): Partial<Record<FailureReason, number>> {
  const added: Partial<Record<FailureReason, number>> = {};
  for (const [reason, n] of Object.entries(after.failed) as [FailureReason, number][]) {
    const diff = n - (before.failed[reason] ?? 0);
    if (diff > 0) added[reason] = diff;
  }
  return added;
}

function imageMetrics(ok: number, failed: Partial<Record<string, number>>, ms: number, worked: number) {
  const points: MetricPoint[] = [{ name: 'ImagesOk', unit: MetricUnit.Count, value: ok }];
  for (const [reason, n] of Object.entries(failed))
    points.push({ name: 'ImagesFailed', unit: MetricUnit.Count, value: n ?? 0, dimensions: { reason } });
  if (worked > 0)
    points.push({ name: 'MsPerImage', unit: MetricUnit.Milliseconds, value: Math.round(ms / worked) });
  return points;
}

/** Download and segment: a Batch in, a Batch out. */
export const batchStageReport =
  (stage: string): Reporter =>
  (event, result, ms) => {
    const before = count(batchOf(event));
    const after = count(result as Batch);
    const failed = newFailures(before, after);
    const worked = before.total - Object.values(before.failed).reduce((a, b) => a + (b ?? 0), 0);
    const deferral = (result as Batch | undefined)?.deferral;
    return {
      message: `${stage} done`,
      fields: { images: { total: after.total, ok: after.ok, pending: after.pending, failed }, deferral },
      metrics: imageMetrics(after.ok, failed, ms, worked),
    };
  };

/** Embed: a Batch in, counts out (the vectors are in S3). */
export const embedReport: Reporter = (event, result, ms) => {
  const before = count(batchOf(event));
  const r = result as { key: string; products: number; imagesOk: number; imagesFailed: number };
  const failedBefore = Object.values(before.failed).reduce((a, b) => a + (b ?? 0), 0);
  const embedFailed = Math.max(0, r.imagesFailed - failedBefore);
  const failed = embedFailed > 0 ? { embed_failed: embedFailed } : {};
  return {
    message: 'embed done',
    fields: { key: r.key, images: { ok: r.imagesOk, failed: r.imagesFailed, embedFailed } },
    metrics: imageMetrics(r.imagesOk, failed, ms, before.total - failedBefore),
  };
};

/** Prepare: the catalog's counts. */
export const prepareReport: Reporter = (_event, result) => {
  const r = result as { runId: string; products: number; images: number; catalogErrors: number };
  return {
    message: 'prepare done',
    fields: { runId: r.runId, catalog: { products: r.products, images: r.images, refused: r.catalogErrors } },
    metrics: [
      { name: 'CatalogProducts', unit: MetricUnit.Count, value: r.products },
      { name: 'CatalogRowsRefused', unit: MetricUnit.Count, value: r.catalogErrors },
    ],
  };
};

/** Aggregate: the run's outcome (compact or full summary). */
export const aggregateReport: Reporter = (_event, result) => {
  const s = result as {
    runId: string;
    productsStored: number;
    productsNotEmbedded: number;
    images: { total: number; ok: number; failed: Record<string, number> };
    batchesStored: number;
    batchesFailed: number | unknown[];
    batchesNotEmbedded: number | unknown[];
    batchesFailedPercent?: number;
  };
  const n = (v: number | unknown[]) => (Array.isArray(v) ? v.length : v);
  const failedReasons = Object.fromEntries(Object.entries(s.images.failed).filter(([, v]) => v > 0));
  return {
    message: 'aggregate done',
    fields: {
      runId: s.runId,
      productsStored: s.productsStored,
      productsNotEmbedded: s.productsNotEmbedded,
      images: { total: s.images.total, ok: s.images.ok, failed: failedReasons },
      batches: {
        stored: s.batchesStored,
        failed: n(s.batchesFailed),
        notEmbedded: n(s.batchesNotEmbedded),
        failedPercent: s.batchesFailedPercent,
      },
    },
    metrics: [
      { name: 'ProductsStored', unit: MetricUnit.Count, value: s.productsStored },
      { name: 'ProductsNotEmbedded', unit: MetricUnit.Count, value: s.productsNotEmbedded },
      { name: 'BatchesFailed', unit: MetricUnit.Count, value: n(s.batchesFailed) + n(s.batchesNotEmbedded) },
    ],
  };
};

/** Search: one API answer. */
export const searchReport: Reporter = (event, result, ms) => {
  const e = event as { rawPath?: string; requestContext?: { http?: { method?: string } } };
  const status = (result as { statusCode?: number } | undefined)?.statusCode ?? 0;
  return {
    message: 'search answered',
    fields: { method: e?.requestContext?.http?.method, path: e?.rawPath, status },
    metrics: [
      { name: 'SearchLatency', unit: MetricUnit.Milliseconds, value: ms },
      ...(status >= 500 ? [{ name: 'SearchServerErrors', unit: MetricUnit.Count, value: 1 }] : []),
    ],
  };
};
