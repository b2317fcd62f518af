import { randomBytes } from 'node:crypto';
import { chunk } from '../core/chunk.ts';
import { mapLimit } from '../core/concurrency.ts';
import { ThreadfinderError } from '../core/errors.ts';
import type { CatalogProduct, ProductItem } from '../core/types.ts';
import { emptyAggregateSummary } from '../functions/aggregate/summary.ts';
import type { AggregateSummary } from '../functions/aggregate/types.ts';
import type { StageHandlers } from './stage-handlers.ts';

/** Options of one in-process ingestion run. */
export interface IngestOptions {
  /** Products per batch: the unit each stage handler receives, like the Distributed Map's ItemBatcher. */
  batchSize: number;
  /** Batches in flight at once. */
  concurrency?: number;
  /** Attempts per batch before it is recorded as failed (the state machine's Retry). */
  attempts?: number;
  runId?: string;
  /** Delete stored products this catalog no longer lists; skipped when any batch of the run failed. */
  prune?: boolean;
  onBatchDone?: (products: number) => void;
  onStage?: (stage: string) => void;
  /** When aborted, no new batch starts; batches in flight finish and what they embedded is still aggregated. */
  signal?: AbortSignal;
  /** Waits between attempts of a batch; tests pass an instant one. */
  sleep?: (ms: number) => Promise<void>;
}

/** A batch that failed every attempt: its products are reported, the run goes on. */
export interface FailedBatch {
  productIds: string[];
  error: string;
}

/** The outcome of a run: the aggregate summary plus batches that never completed. */
export interface IngestReport {
  summary: AggregateSummary;
  failedBatches: FailedBatch[];
  /** Products never started because the run was interrupted (absent or 0 when it ran to the end). */
  notProcessed?: number;
  seconds: number;
}

/** A new run id: sortable time prefix plus randomness. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Splits products into batches of `size`. */
export function toBatches<T>(items: readonly T[], size: number): T[][] {
  return chunk(items, size);
}

/**
 * Runs download, segment and embed over batches of products, then the aggregate step: the same handlers and
 * event shapes as the cloud's Distributed Map, called in-process.
 */
export async function ingestProducts(
  products: readonly CatalogProduct[],
  handlers: StageHandlers,
  options: IngestOptions,
): Promise<IngestReport> {
  const started = Date.now();
  const runId = options.runId ?? newRunId();
  const attempts = options.attempts ?? 3;
  const failedBatches: FailedBatch[] = [];
  const batches = toBatches(products.map(toItem), options.batchSize);
  if (options.prune && products.length > 0) {
    if (!handlers.recordProducts)
      throw new ThreadfinderError('pruning needs stage handlers with recordProducts');
    await handlers.recordProducts(
      runId,
      products.map((p) => p.id),
    );
  }
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let done = 0;
  let notProcessed = 0;
  let begun = 0;
  await mapLimit(batches, options.concurrency ?? 2, async (items) => {
    if (options.signal?.aborted) {
      notProcessed += items.length;
      return;
    }
    begun++;
    for (let attempt = 1; ; attempt++) {
      try {
        const downloaded = await handlers.download({ Items: items, BatchInput: { runId } });
        const segmented = await handlers.segment(downloaded);
        await handlers.embed(segmented);
        break;
      } catch (error) {
        if (attempt >= attempts || isInputError(error)) {
          failedBatches.push({ productIds: items.map((p) => p.id), error: errorText(error) });
          break;
        }
        await sleep(200 * 2 ** attempt);
      }
    }
    done++;
    options.onStage?.(`batch ${done}/${batches.length}`);
    options.onBatchDone?.(items.length);
  });
  options.onStage?.('aggregating');
  // Nothing was embedded (empty catalog, interrupted at once, or every batch failed): nothing to aggregate.
  const prune = options.prune === true && failedBatches.length === 0 && notProcessed === 0;
  const summary =
    failedBatches.length === begun
      ? emptyAggregateSummary(runId)
      : await handlers.aggregate({ runId, ...(prune && { prune }) });
  if (options.prune && !prune) {
    const n = failedBatches.length;
    summary.pruneSkipped =
      notProcessed > 0
        ? 'prune skipped: the run was interrupted'
        : `prune skipped: ${n} ${n === 1 ? 'batch' : 'batches'} failed`;
  }
  return { summary, failedBatches, notProcessed, seconds: (Date.now() - started) / 1000 };
}

function toItem(product: CatalogProduct): ProductItem {
  return {
    id: product.id,
    metadata: product.metadata,
    images: product.images.map((url) => ({ url, status: 'pending' })),
  };
}

function isInputError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'InputError' || error.name === 'ModelMismatchError');
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
