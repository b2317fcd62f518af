import { createHash } from 'node:crypto';
import path from 'node:path';
import { type CatalogFormat, readCatalogBytes } from '#core/catalog/index.ts';
import { localCatalogKey, summaryKey } from '#core/contracts/run-layout.ts';
import { needsAttention } from '#functions/aggregate/attention.ts';
import type { PrepareResult } from '#functions/prepare/run-prepare.ts';
import { type IngestReport, runIngestion } from '#local/ingest.ts';
import type { LocalRuntime } from '#local/runtime.ts';
import { createLocalStageHandlers } from '#local/stage-handlers.ts';
import { namingStoreFaults } from '#local/vector-store-faults.ts';
import type { RetryIntervalOverrides } from '#map-runner/index.ts';
import { planComparison, readPlanRecord } from './plan/plan-record.ts';
import { ProgressReporter } from './progress.ts';
import { formatReport } from './run-report.ts';

/** What to ingest. */
export interface IngestFileOptions {
  file: string;
  format?: 'auto' | CatalogFormat;
  groupSize?: number;
  /** Delete stored products that are not in this catalog (skipped when anything failed or rows were refused). */
  prune?: boolean;
  /** False: embed each photo as downloaded, without segmentation (`--no-segment`); default true. */
  segment?: boolean;
  /** Stops starting new batches; what the batches in flight embed is still stored. */
  signal?: AbortSignal;
  log?: (line: string) => void;
  progressStream?: NodeJS.WriteStream;
  /** Retry pauses by state name (tests). */
  retryIntervalOverrides?: RetryIntervalOverrides;
}

/** The outcome of ingesting a file: the run's report plus where refused rows are listed. */
export interface IngestFileReport extends IngestReport {
  catalogErrors: number;
  /** Where every refused row is listed, when there were any. */
  catalogErrorsFile?: string;
}

/**
 * Copies a catalog file into the blob store and runs the ingestion state machine on it, with the catalog's
 * problems (file:line) printed as soon as it is parsed, a progress display, and the summary at the end.
 * Throws the EnvironmentFaultError (disk full, ...) that stopped the run, after the summary of what was stored.
 */
export async function ingestCatalogFile(
  rt: LocalRuntime,
  options: IngestFileOptions,
): Promise<IngestFileReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const catalogKey = await placeCatalog(rt, options.file);
  // Load the models before the first download: a broken model file stops the run now, with its name,
  // instead of failing every batch after downloading the whole catalog.
  if (options.segment !== false) await rt.segmenter();
  await rt.imageEmbedder();
  let progress: ProgressReporter | undefined;
  const store = namingStoreFaults(rt.store, path.join(rt.config.dataDir, 'index'));
  const handlers = createLocalStageHandlers(
    { ...rt, store },
    {
      finished: (image) => {
        if (!progress) return;
        if (image.status === 'embedded') progress.state.imagesOk++;
        else progress.fail(image.status === 'failed' ? image.reason : 'embed_failed');
      },
      hostPaused: (event) => progress?.hostPaused(event),
    },
    { segment: options.segment },
  );
  const problemsFile = (p: PrepareResult) =>
    p.problemsKey ? path.join(rt.config.dataDir, 'blobs', p.problemsKey) : undefined;
  let report: IngestReport;
  try {
    report = await runIngestion(handlers, rt.blobs, {
      catalogKey,
      catalog: {
        name: options.file,
        ...(options.format && { format: options.format }),
        ...(options.groupSize && { groupSize: options.groupSize }),
      },
      prune: options.prune,
      batchSize: rt.config.batchSize,
      signal: options.signal,
      retryIntervalOverrides: options.retryIntervalOverrides,
      onPrepared: (prepared) => {
        for (const line of prepared.firstProblems) log(line);
        const more = prepared.catalogErrors + prepared.catalogWarnings - prepared.firstProblems.length;
        if (more > 0) log(`... and ${more} more, all listed in ${problemsFile(prepared)}`);
        log(
          `Catalog ${options.file}: ${prepared.format}, ${prepared.products} products, ${prepared.images} images`,
        );
        progress = new ProgressReporter(
          { products: prepared.products, images: prepared.images },
          options.progressStream,
        );
        progress.state.stage = 'embedding';
        progress.start();
      },
      onMapProgress: (event) => {
        if (!progress) return;
        if (event.event === 'batch-finished') progress.state.productsDone += event.batch?.itemCount ?? 0;
        progress.state.stage = `batch ${event.batches.succeeded + event.batches.failed}/${event.batches.total}`;
        if (event.event === 'map-finished') progress.state.stage = 'aggregating';
      },
    });
  } finally {
    progress?.stop();
  }
  const { prepared } = report;
  const listed = prepared.catalogErrors + prepared.catalogWarnings > prepared.firstProblems.length;
  const productsInIndex = report.summaryMissing ? await rt.store.count().catch(() => undefined) : undefined;
  for (const line of formatReport(report, {
    file: options.file,
    catalogErrors: prepared.catalogErrors,
    problemsFile: listed ? problemsFile(prepared) : undefined,
    productsInIndex,
    summaryFile: path.join(rt.config.dataDir, 'blobs', summaryKey(report.runId)),
  }))
    log(line);
  const plan = await readPlanRecord(rt.blobs, options.file).catch(() => undefined);
  if (plan) {
    const run = { images: report.summary.images.total, imagesDeferred: report.summary.images.deferred ?? 0 };
    for (const line of planComparison(plan, { ...run, seconds: report.seconds })) log(line);
  }
  if (report.fault) throw report.fault;
  return { ...report, catalogErrors: prepared.catalogErrors, catalogErrorsFile: problemsFile(prepared) };
}

/**
 * Puts the catalog file in the blob store, under a key stable for its path: the state machine reads it from
 * there, and two runs of the same file share one lock.
 */
async function placeCatalog(rt: LocalRuntime, file: string): Promise<string> {
  const absolute = path.resolve(file);
  const bytes = await readCatalogBytes(file);
  const name =
    path
      .basename(absolute)
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .slice(-100) || 'catalog';
  const key = localCatalogKey(createHash('sha256').update(absolute).digest('hex').slice(0, 16), name);
  await rt.blobs.put(key, bytes, 'text/plain');
  return key;
}

/** True when a run finished but something needs a look: refused rows, failed batches, or nothing stored. */
export function runNeedsAttention(report: IngestFileReport): boolean {
  const s = report.summary;
  return needsAttention({
    productsStored: s.productsStored,
    batchesFailed: s.batchesFailed.length,
    batchesNotEmbedded: s.batchesNotEmbedded.length,
    productsNotEmbedded: s.productsNotEmbedded,
    mapResultsProblems: s.mapResultsProblems?.length ?? 0,
    catalogErrors: report.catalogErrors,
    incomplete: report.outcome === 'incomplete' || report.notProcessed > 0,
  });
}
