import { randomBytes } from 'node:crypto';
import type { EnvironmentFaultError } from '#core/env-fault.ts';
import { ThreadfinderError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import { readSummary } from '#functions/aggregate/run-blobs.ts';
import { emptyAggregateSummary } from '#functions/aggregate/summary.ts';
import type { AggregateSummary } from '#functions/aggregate/types.ts';
import type { PrepareResult } from '#functions/prepare/run-prepare.ts';
import type { CatalogOptions } from '#functions/prepare/schema.ts';
import { INGEST_ERRORS, INGEST_OUTPUT, INGEST_STATES as S } from '#infra/ingest-states.ts';
import {
  LocalExecutionFailedError,
  type MapProgress,
  type RetryIntervalOverrides,
  runLocalExecution,
} from '#map-runner/index.ts';
import { FaultStop } from './fault-stop.ts';
import type { AslDefinition } from './ingest-definition.ts';
import type { StageHandlers } from './stage-handlers.ts';

/** Options of one local ingestion: the cloud's execution input, plus what only a local run has. */
export interface IngestOptions {
  /** Blob key of the catalog (the runner copies a local file there first). */
  catalogKey: string;
  catalog?: CatalogOptions;
  /** Delete stored products this catalog no longer lists (skipped when anything failed). */
  prune?: boolean;
  /** Products per child execution: the Distributed Map's MaxItemsPerBatch. */
  batchSize: number;
  runId?: string;
  /** Child executions at once (the cloud's MaxConcurrency is capped to this on one machine). */
  mapConcurrency?: number;
  /** When aborted, no new batch starts; what the batches in flight embed is still stored. */
  signal?: AbortSignal;
  /** Retry pauses by state name (tests pass 0). */
  retryIntervalOverrides?: RetryIntervalOverrides;
  onPrepared?: (prepared: PrepareResult) => void;
  onMapProgress?: (progress: MapProgress) => void;
  /** The definition to run; default: the cloud stack's, synthesized in-process. */
  definition?: AslDefinition;
}

/** How a run ended: the aggregate summary, and whether the Distributed Map completed. */
export interface IngestReport {
  runId: string;
  prepared: PrepareResult;
  summary: AggregateSummary;
  /** `incomplete`: the Map failed or was interrupted; what was embedded before is stored. */
  outcome: 'complete' | 'incomplete';
  /** Products never started (interrupted) or in batches the Map never ran. */
  notProcessed: number;
  seconds: number;
  /** The environment fault (disk full, ...) that stopped the run; the outcome is then `incomplete`. */
  fault?: EnvironmentFaultError;
  /** True when the aggregate step wrote no summary (it stopped on a fault): `summary` is then all zeros. */
  summaryMissing?: boolean;
}

/** A second ingestion of a catalog that is being ingested. */
export class IngestionRunningError extends ThreadfinderError {
  override name = 'IngestionRunningError';
}

/** A new run id: sortable time prefix plus randomness (also the execution's name). */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

const definitions = new Map<number, AslDefinition>();

/**
 * Runs the cloud's ingestion state machine in-process: the definition `cdk synth` produces, with each Task
 * state calling the same handler the Lambda runs, the Distributed Map's ItemReader, ItemBatcher and
 * ResultWriter supplied on the local blob store, and the lock table on local disk. The first environment fault
 * (disk full, read-only, permission denied, too many open files) stops the run as an interruption does, and is
 * returned as `fault`; one before the catalog was prepared is thrown.
 */
export async function runIngestion(
  handlers: StageHandlers,
  blobs: BlobStore,
  options: IngestOptions,
): Promise<IngestReport> {
  const started = Date.now();
  const runId = options.runId ?? newRunId();
  const definition = options.definition ?? (await definitionFor(options.batchSize));
  let prepared: PrepareResult | undefined;
  let pending = 0;
  const faults = new FaultStop(options.signal);
  const prepare = async (event: unknown) => {
    prepared = await handlers.prepare(event);
    options.onPrepared?.(prepared);
    return prepared;
  };
  const onMapProgress = (progress: MapProgress) => {
    if (progress.event === 'map-finished') pending = progress.items.pending;
    options.onMapProgress?.(progress);
  };
  const input = {
    catalogKey: options.catalogKey,
    prune: options.prune === true,
    catalog: options.catalog ?? {},
  };
  let outcome: IngestReport['outcome'] = 'complete';
  let output: unknown;
  try {
    output = await runLocalExecution(definition, input, {
      taskHandlers: guarded(faults, {
        [S.prepare]: prepare,
        [S.acquireLock]: handlers.lock.putItem,
        [S.readLock]: handlers.lock.getItem,
        [S.checkLockHolder]: handlers.lock.describeExecution,
        [S.takeOverLock]: handlers.lock.putItem,
        [S.download]: handlers.download,
        [S.downloadDeferred]: handlers.download,
        [S.segment]: handlers.segment,
        [S.embed]: handlers.embed,
        [S.aggregate]: handlers.aggregate,
        [S.aggregateAfterFailure]: handlers.aggregate,
        [S.releaseLock]: handlers.lock.deleteItem,
        [S.releaseLockAfterFailure]: handlers.lock.deleteItem,
      }),
      blobs: faults.blobs(blobs),
      executionName: runId,
      stateMachineName: 'ThreadfinderIngest',
      mapConcurrency: options.mapConcurrency ?? 2,
      onMapProgress,
      signal: faults.signal,
      ...(options.retryIntervalOverrides && { retryIntervalOverrides: options.retryIntervalOverrides }),
    });
  } catch (error) {
    if (!(error instanceof LocalExecutionFailedError)) throw error;
    if (faults.first && !prepared) throw faults.first;
    if (!faults.first && (error.error !== INGEST_ERRORS.incomplete || !prepared)) throw originalError(error);
    outcome = 'incomplete';
  }
  if (refusedAsRunning(output)) {
    const holder = await handlers.lock.refusal?.(options.catalogKey).catch(() => undefined);
    throw new IngestionRunningError(
      `another ingestion of ${options.catalog?.name ?? options.catalogKey} is running; wait for it to end` +
        (holder ? ` (${holder})` : ''),
    );
  }
  if (!prepared) throw new ThreadfinderError('the ingestion ended without preparing its catalog');
  const written = await readSummary(blobs, runId).catch(() => undefined);
  const summary = written ?? emptyAggregateSummary(runId);
  const seconds = (Date.now() - started) / 1000;
  const report: IngestReport = {
    runId,
    prepared,
    summary,
    outcome,
    notProcessed: pending,
    seconds,
    ...(!written && { summaryMissing: true }),
  };
  return faults.first ? { ...report, outcome: 'incomplete', fault: faults.first } : report;
}

/** The overlap guard's refusal: the execution SUCCEEDED at AlreadyRunning without doing any work. */
function refusedAsRunning(output: unknown): boolean {
  const refused = (output as Record<string, { error?: unknown } | undefined> | undefined)?.[
    INGEST_OUTPUT.refused
  ];
  return refused?.error === INGEST_ERRORS.alreadyRunning;
}

/** Every Task handler guarded, so the first environment fault stops the run. */
function guarded(faults: FaultStop, handlers: Record<string, (event: unknown) => Promise<unknown>>) {
  return Object.fromEntries(
    Object.entries(handlers).map(([state, handler]) => [state, faults.guard(handler)]),
  );
}

/** The synthesized definition per batch size; aws-cdk-lib loads only when a run needs it, not at CLI start. */
async function definitionFor(batchSize: number): Promise<AslDefinition> {
  let definition = definitions.get(batchSize);
  if (!definition) {
    const { synthesizeIngestDefinition } = await import('./ingest-definition.ts');
    definition = synthesizeIngestDefinition({ batchSize });
    definitions.set(batchSize, definition);
  }
  return definition;
}

/** The handler's own error (e.g. a catalog's file:line problem) when the interpreter wrapped it. */
function originalError(error: LocalExecutionFailedError): Error {
  for (let e: unknown = error.cause; e instanceof Error; e = e.cause) {
    if (e instanceof ThreadfinderError && e.name === error.error) return e;
  }
  return new ThreadfinderError(`ingestion failed: ${error.error}: ${error.errorCause}`, { cause: error });
}
