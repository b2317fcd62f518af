import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { readProductList } from '#core/contracts/product-list.ts';
import { hostReportsPrefix } from '#core/contracts/run-layout.ts';
import { mergeHostPauses, parseHostPauses } from '#core/host-pause.ts';
import { depsGetter } from '#core/lazy.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import { observed } from '#functions/shared/observe/middleware.ts';
import type { Observability } from '#functions/shared/observe/powertools.ts';
import { aggregateReport } from '#functions/shared/observe/reports.ts';
import { environmentFaultsNamed, inputErrorsNotRetried } from '#functions/shared/stage-errors.ts';
import { compactSummary } from './compact.ts';
import { type MapResults, readMapResults } from './map-results.ts';
import { type AggregateDeps, runAggregate } from './run-aggregate.ts';
import {
  blobBatchSource,
  completedAggregation,
  deleteBlobs,
  listEmbeddedKeys,
  writeAggregated,
  writeSummary,
} from './run-blobs.ts';
import { type AggregateEvent, parseAggregateEvent } from './schema.ts';
import type { AggregateSummary, CompactAggregateSummary } from './types.ts';

/** What the aggregate handler needs: the core's deps plus the blob store holding the run's batches. */
export interface AggregateHandlerDeps extends AggregateDeps {
  blobs: BlobStore;
}

type DepsArg = AggregateHandlerDeps | (() => Promise<AggregateHandlerDeps>);
type Handler<T> = MiddyfiedHandler<unknown, T, Error, Context>;

/**
 * One rule decides each product's outcome: stored when an embedded batch blob of the run holds it (the blobs are
 * the durable truth: after a redrive, a Map Run's results name only the children it re-ran), otherwise not
 * embedded, with the reason the Map Run's results give. The results never decide a success.
 *
 * Aggregates a run from its blobs and returns the full summary, also written to `runs/<runId>/summary.json`
 * (after `aggregated.json`, the batches it stored: a retry of a completed aggregation returns its summary).
 * With `results`, the map run's failed batches are read first (into the summary, and they stop a prune), and a
 * run with no embedded batch at all still gets a summary. Batches are read one at a time; once the summary is
 * written, the blobs of the stored batches are deleted unless `keepBatches` (failed ones stay, for inspection).
 */
export async function aggregateRun(
  event: AggregateEvent,
  d: AggregateHandlerDeps,
): Promise<AggregateSummary> {
  const { runId, prune, keepBatches, results, resultsPrefix } = event;
  // A retry of an aggregation that completed (its Lambda timed out deleting, say: its inputs may be gone) finds
  // its summary and finishes the deletes. A redrive's new batches make a new aggregation.
  const done = await completedAggregation(d.blobs, runId);
  if (done) {
    const left = await listEmbeddedKeys(d.blobs, runId, { allowEmpty: true });
    if (left.every((k) => done.keys.has(k)))
      return keepBatches ? done.summary : deleteStored(d.blobs, done.summary, left);
  }
  const manifestKeys = results
    ? [results.Key]
    : resultsPrefix
      ? await findManifests(d.blobs, resultsPrefix)
      : [];
  const mapResults = manifestKeys.length > 0 ? await readAllMapResults(d.blobs, manifestKeys) : undefined;
  const allowEmpty =
    mapResults !== undefined && (mapResults.notEmbedded.length > 0 || mapResults.problems.length > 0);
  const keys = await listEmbeddedKeys(d.blobs, runId, { allowEmpty });
  const list = prune ? await readProductList(d.blobs, runId) : undefined;
  const batches = keys.map((key) => blobBatchSource(d.blobs, key));
  const summary = await runAggregate(
    {
      runId,
      batches,
      ...(list && { prune: { catalogIds: list.productIds, catalogErrors: list.catalogErrors ?? 0 } }),
      ...(mapResults && { mapResults }),
    },
    d,
  );
  summary.hostPauses = await readHostPauses(d.blobs, runId);
  await writeAggregated(d.blobs, runId, keys);
  await writeSummary(d.blobs, summary);
  if (keepBatches) return summary;
  return deleteStored(d.blobs, summary, keys);
}

/** Deletes the stored batches among `keys` (failed ones stay, for inspection); the summary says what could not be. */
async function deleteStored(
  blobs: BlobStore,
  summary: AggregateSummary,
  keys: string[],
): Promise<AggregateSummary> {
  const failed = new Set(summary.batchesFailed.map((b) => b.key));
  const notDeleted = await deleteBlobs(
    blobs,
    keys.filter((k) => !failed.has(k)),
  );
  if (notDeleted.length === 0) return summary;
  const updated = { ...summary, batchesNotDeleted: notDeleted };
  await writeSummary(blobs, updated);
  return updated;
}

/** What the run's batches saw of paused hosts, merged per host; an unreadable report is left out. */
async function readHostPauses(blobs: BlobStore, runId: string) {
  const keys = (await blobs.list(hostReportsPrefix(runId))).filter((k) => k.endsWith('.json'));
  const reports = await Promise.all(keys.map(async (k) => parseHostPauses(await blobs.get(k)) ?? []));
  return mergeHostPauses(reports);
}

/** Every `manifest.json` under a ResultWriter prefix: one per Map Run of the execution (more after a redrive). */
async function findManifests(blobs: BlobStore, prefix: string): Promise<string[]> {
  const keys = await blobs.list(prefix.endsWith('/') ? prefix : `${prefix}/`);
  return keys.filter((k) => k.endsWith('/manifest.json'));
}

/**
 * The failures of every Map Run, merged: a batch that failed in one run and succeeded in a later one has its
 * products stored, and the aggregate step drops stored products from what it reports as not embedded.
 */
async function readAllMapResults(blobs: BlobStore, manifestKeys: string[]): Promise<MapResults> {
  const merged: MapResults = { notEmbedded: [], problems: [] };
  for (const key of manifestKeys) {
    const one = await readMapResults(blobs, key);
    merged.notEmbedded.push(...one.notEmbedded);
    merged.problems.push(...one.problems);
  }
  return merged;
}

/**
 * Builds the aggregate Lambda handler: `{ runId, prune?, keepBatches?, results? }` in (see aggregateRun), a
 * CompactAggregateSummary out, small enough for the state machine; `{ fullSummary: true }` returns the full
 * AggregateSummary instead, for in-process callers. InputError and ModelMismatchError must not be retried.
 */
export function createAggregateHandler(
  deps: DepsArg,
  options: { fullSummary: true; observe?: Observability },
): Handler<AggregateSummary>;
export function createAggregateHandler(
  deps: DepsArg,
  options?: { fullSummary?: false; observe?: Observability },
): Handler<CompactAggregateSummary>;
export function createAggregateHandler(
  deps: DepsArg,
  options: { fullSummary?: boolean; observe?: Observability } = {},
): Handler<AggregateSummary> | Handler<CompactAggregateSummary> {
  const getDeps = depsGetter(deps);
  const run = async (event: unknown) => aggregateRun(parseAggregateEvent(event), await getDeps());
  const observe = options.observe ? observed(options.observe, aggregateReport) : [];
  if (options.fullSummary)
    return middy(run).use(observe).use(inputErrorsNotRetried()).use(environmentFaultsNamed());
  return middy(async (event: unknown) => compactSummary(await run(event)))
    .use(observe)
    .use(inputErrorsNotRetried())
    .use(environmentFaultsNamed());
}
