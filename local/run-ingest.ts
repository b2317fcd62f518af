import type { CatalogFormat } from '../core/catalog/index.ts';
import { readCatalogFile } from '../core/catalog/index.ts';
import { type IngestReport, ingestProducts } from './ingest.ts';
import { ProgressReporter } from './progress.ts';
import { formatReport } from './report.ts';
import type { LocalRuntime } from './runtime.ts';
import { createLocalStageHandlers } from './stage-handlers.ts';

/** What to ingest. */
export interface IngestFileOptions {
  file: string;
  format?: 'auto' | CatalogFormat;
  groupSize?: number;
  log?: (line: string) => void;
  progressStream?: NodeJS.WriteStream;
}

/** Reads a catalog file, reports refused rows with file:line, ingests the rest with a progress display. */
export async function ingestCatalogFile(rt: LocalRuntime, options: IngestFileOptions): Promise<IngestReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const catalog = await readCatalogFile(options.file, {
    format: options.format,
    groupSize: options.groupSize,
  });
  for (const e of catalog.errors) log(`error: ${e.toString()}`);
  for (const w of catalog.warnings) log(`warning: ${w.toString()}`);
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
  progress.start();
  let report: IngestReport;
  try {
    report = await ingestProducts(catalog.products, handlers, {
      batchSize: rt.config.batchSize,
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
  for (const line of formatReport(report, { file: options.file, errors: catalog.errors })) log(line);
  return report;
}
