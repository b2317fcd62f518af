import type { Json } from './asl.ts';
import type { ChildOutcome } from './child-execution.ts';

/** Counts of batches (child executions) or of the items they hold. */
export interface ProgressCounts {
  total: number;
  /** Not started yet; at `map-finished`, never started (written as PENDING). */
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
}

/** A step of a Map Run, for a progress display. */
export interface MapProgress {
  event: 'map-started' | 'batch-started' | 'batch-finished' | 'map-finished';
  stateName: string;
  mapRunArn: string;
  /** The batch this event is about (batch events only); `output` is the child's output when it succeeded. */
  batch?: {
    index: number;
    itemCount: number;
    status?: 'SUCCEEDED' | 'FAILED';
    output?: Json;
    error?: string;
    cause?: string;
  };
  batches: ProgressCounts;
  items: ProgressCounts;
}

/** Keeps a Map Run's counts and reports each step; an error thrown by the callback is kept for the end. */
export class MapRunProgress {
  readonly batches: ProgressCounts;
  readonly items: ProgressCounts;
  callbackError: unknown;

  constructor(
    private readonly stateName: string,
    private readonly mapRunArn: string,
    private readonly itemCounts: number[],
    private readonly onProgress?: (progress: MapProgress) => void,
  ) {
    const totalItems = itemCounts.reduce((sum, n) => sum + n, 0);
    this.batches = {
      total: itemCounts.length,
      pending: itemCounts.length,
      running: 0,
      succeeded: 0,
      failed: 0,
    };
    this.items = { total: totalItems, pending: totalItems, running: 0, succeeded: 0, failed: 0 };
  }

  started(index: number): void {
    const n = this.itemCounts[index] ?? 0;
    move(this.batches, 'pending', 'running', 1);
    move(this.items, 'pending', 'running', n);
    this.emit('batch-started', { index, itemCount: n });
  }

  finished(index: number, outcome: ChildOutcome): void {
    const n = this.itemCounts[index] ?? 0;
    const to = outcome.status === 'SUCCEEDED' ? 'succeeded' : 'failed';
    move(this.batches, 'running', to, 1);
    move(this.items, 'running', to, n);
    const detail =
      outcome.status === 'SUCCEEDED'
        ? { output: outcome.output }
        : { error: outcome.error, cause: outcome.cause };
    this.emit('batch-finished', { index, itemCount: n, status: outcome.status, ...detail });
  }

  emit(event: MapProgress['event'], batch?: MapProgress['batch']): void {
    if (!this.onProgress) return;
    const progress: MapProgress = {
      event,
      stateName: this.stateName,
      mapRunArn: this.mapRunArn,
      ...(batch && { batch }),
      batches: { ...this.batches },
      items: { ...this.items },
    };
    try {
      this.onProgress(progress);
    } catch (error) {
      this.callbackError ??= error;
    }
  }
}

function move(counts: ProgressCounts, from: keyof ProgressCounts, to: keyof ProgressCounts, n: number): void {
  counts[from] -= n;
  counts[to] += n;
}
