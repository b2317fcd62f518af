import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CatalogFormat } from '../core/catalog/index.ts';
import { readCatalogFile } from '../core/catalog/index.ts';
import { type IngestReport, ingestProducts, newRunId } from './ingest.ts';
import { ProgressReporter } from './progress.ts';
import { formatReport } from './report.ts';
import type { LocalRuntime } from './runtime.ts';
import { createLocalStageHandlers } from './stage-handlers.ts';

/** What to ingest. */
export interface IngestFileOptions {
  file: string;
  format?: 'auto' | CatalogFormat;
  groupSize?: number;
  /** Delete stored products that are not in this catalog (skipped when any batch failed). */
  prune?: boolean;
  /** Stops starting new batches; what the batches in flight embed is still stored. */
  signal?: AbortSignal;
  log?: (line: string) => void;
  progressStream?: NodeJS.WriteStream;
}

/** The outcome of ingesting a file: the run's report plus how many catalog rows were refused. */
export interface IngestFileReport extends IngestReport {
  catalogErrors: number;
  /** Where every refused row is listed, when there were any. */
  catalogErrorsFile?: string;
}

/** Catalog problems printed to the console; the full list goes to a file. */
const MAX_PRINTED_PROBLEMS = 20;

/** Reads a catalog file, reports refused rows with file:line, ingests the rest with a progress display. */
export async function ingestCatalogFile(
  rt: LocalRuntime,
  options: IngestFileOptions,
): Promise<IngestFileReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const catalog = await readCatalogFile(options.file, {
    format: options.format,
    groupSize: options.groupSize,
  });
  const runId = newRunId();
  const problems = [
    ...catalog.errors.map((e) => `error: ${e.toString()}`),
    ...catalog.warnings.map((w) => `warning: ${w.toString()}`),
  ];
  for (const line of problems.slice(0, MAX_PRINTED_PROBLEMS)) log(line);
  const catalogErrorsFile = problems.length > 0 ? await writeProblems(rt, runId, problems) : undefined;
  if (problems.length > MAX_PRINTED_PROBLEMS) {
    log(`... and ${problems.length - MAX_PRINTED_PROBLEMS} more, all listed in ${catalogErrorsFile}`);
  }
  const images = catalog.products.reduce((n, p) => n + p.images.length, 0);
  log(`Catalog ${options.file}: ${catalog.format}, ${catalog.products.length} products, ${images} images`);

  const progress = new ProgressReporter(
    { products: catalog.products.length, images },
    options.progressStream,
  );
  const handlers = createLocalStageHandlers(rt, {
    finished: (image) => {
      if (image.status === 'ok') progress.state.imagesOk++;
      else progress.fail(image.reason ?? 'embed_failed');
    },
  });
  // Load the models before the first download: a broken model file stops the run now, with its name,
  // instead of failing every batch after downloading the whole catalog.
  await rt.segmenter();
  await rt.imageEmbedder();
  // A refused row may be a product the catalog still lists: pruning would delete it.
  const prune = options.prune === true && catalog.errors.length === 0;
  progress.start();
  let report: IngestReport;
  try {
    report = await ingestProducts(catalog.products, handlers, {
      batchSize: rt.config.batchSize,
      runId,
      prune,
      signal: options.signal,
      onBatchDone: (n) => {
        progress.state.productsDone += n;
      },
      onStage: (stage) => {
        progress.state.stage = stage;
      },
    });
  } finally {
    progress.stop();
  }
  if (options.prune && !prune) {
    report.summary.pruneSkipped = `prune skipped: ${catalog.errors.length} catalog problems refused rows or values`;
  }
  const problemsFile = problems.length > MAX_PRINTED_PROBLEMS ? catalogErrorsFile : undefined;
  for (const line of formatReport(report, { file: options.file, errors: catalog.errors, problemsFile }))
    log(line);
  return { ...report, catalogErrors: catalog.errors.length, catalogErrorsFile };
}

async function writeProblems(rt: LocalRuntime, runId: string, problems: string[]): Promise<string> {
  const file = path.join(rt.config.dataDir, 'runs', `${runId}-catalog-problems.txt`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${problems.join('\n')}\n`);
  return file;
}

/** True when a run finished but something needs a look: refused rows, failed batches, or nothing stored. */
export function needsAttention(report: IngestFileReport): boolean {
  return (
    report.catalogErrors > 0 ||
    report.failedBatches.length > 0 ||
    report.summary.batchesFailed.length > 0 ||
    report.summary.productsStored === 0 ||
    (report.notProcessed ?? 0) > 0
  );
}
