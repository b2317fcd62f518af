import { randomUUID } from 'node:crypto';
import type { BlobStore } from '#core/ports/blob-store.ts';
import { type ExecutionNames, mapRunArns } from './arns.ts';
import { isObject, type Json } from './asl.ts';
import { childInputs } from './batching.ts';
import {
  type ChildOutcome,
  type LocalHandlers,
  type RetryIntervalOverrides,
  runChildExecution,
} from './child-execution.ts';
import { compile } from './compile.ts';
import { MapRunError, TerminalStateError } from './errors.ts';
import { readJsonItems } from './item-reader.ts';
import { type MapProgress, MapRunProgress } from './map-progress.ts';
import { exceedsTolerance, resolveSettings } from './map-settings.ts';
import type { DistributedMapSpec } from './map-spec.ts';
import { type ChildExecutionRecord, writeMapRunResults, writerTarget } from './result-writer.ts';
import { ChildSlot, WorkSlots } from './work-slots.ts';

/** Children that may be alive beyond the working ones, while they sit in Wait states (for a paused host). */
const WAITING_CHILDREN = 16;

/** Error name of a Map Run stopped by the caller's AbortSignal (not an AWS name: local runs only). */
export const MAP_RUN_ABORTED = 'MapRunAborted';

/** What a Map Run needs besides its spec and resolved parameters. */
export interface MapRunDeps {
  /** The bucket: items are read from it and results written to it. */
  blobs: BlobStore;
  /** Local handlers for the child Task states, by state name (stand-ins of nested Distributed Maps included). */
  taskHandlers: LocalHandlers;
  retryIntervalOverrides?: RetryIntervalOverrides;
  /** Most child executions at once locally; the Map's MaxConcurrency applies too (default 4). */
  concurrencyCap?: number;
  /** Once aborted, no new child starts; running ones finish; never-started ones are written as PENDING. */
  signal?: AbortSignal;
  onProgress?: (progress: MapProgress) => void;
  /** The parent execution, for ARNs (default: LocalStateMachine / local). */
  parent?: ExecutionNames;
  resultFileMaxBytes?: number;
  newMapRunId?: () => string;
}

/**
 * Runs a Distributed Map as Step Functions does: reads the items (ItemReader or ItemsPath), batches them
 * (ItemBatcher), runs one child execution of the ItemProcessor per batch with bounded concurrency, applies the
 * failure tolerance and writes the results (ResultWriter). Returns `{ MapRunArn, ResultWriterDetails }`, or
 * the children's outputs without a ResultWriter. Throws `States.ExceedToleratedFailureThreshold` (or
 * MAP_RUN_ABORTED) after writing results when too many items failed (or the run was aborted).
 */
export async function runDistributedMap(
  spec: DistributedMapSpec,
  resolvedParams: unknown,
  deps: MapRunDeps,
): Promise<Json> {
  const params = isObject(resolvedParams) ? resolvedParams : {};
  const settings = resolveSettings(spec, params.Settings);
  const target = spec.resultWriter ? writerTarget(params.ResultWriter, spec.stateName) : undefined;
  let items =
    spec.source === 's3-json'
      ? await readJsonItems(deps.blobs, params.ItemReader, spec.stateName)
      : itemsAt(params.Items, spec.stateName);
  if (settings.MaxItems) items = items.slice(0, settings.MaxItems);
  const limits = {
    maxItemsPerBatch: settings.MaxItemsPerBatch,
    maxInputBytesPerBatch: settings.MaxInputBytesPerBatch,
  };
  const children = childInputs(
    items,
    spec.batched,
    limits,
    params.BatchInput as Json | undefined,
    spec.stateName,
  );

  const mapRunId = (deps.newMapRunId ?? randomUUID)();
  const parent = deps.parent ?? { stateMachineName: 'LocalStateMachine', executionName: 'local' };
  const arns = mapRunArns(parent.stateMachineName, spec.label, mapRunId);
  const machine = compile(spec.itemProcessor, `Distributed Map "${spec.stateName}" ItemProcessor`);
  const progress = new MapRunProgress(
    spec.stateName,
    arns.mapRunArn,
    children.map((c) => c.itemCount),
    deps.onProgress,
  );
  const records: (ChildExecutionRecord | undefined)[] = new Array(children.length);
  const outcomes: (ChildOutcome | undefined)[] = new Array(children.length);
  let failedItems = 0;
  let exceeded = false;
  const concurrency = Math.max(
    1,
    Math.min(settings.MaxConcurrency || Number.POSITIVE_INFINITY, deps.concurrencyCap ?? 4),
  );

  // Children sitting in a Wait state hold no work slot; alive ones stay within MaxConcurrency, as in the cloud.
  const alive = Math.min(settings.MaxConcurrency || Number.POSITIVE_INFINITY, concurrency + WAITING_CHILDREN);
  progress.emit('map-started');
  await runPool(
    children.length,
    { working: concurrency, alive },
    () => !exceeded && !deps.signal?.aborted,
    async (index, slot) => {
      const child = children[index] as (typeof children)[number];
      const name = `child-${index}-${mapRunId.slice(0, 8)}`;
      const executionArn = arns.childExecutionArn(name);
      const startDate = new Date().toISOString();
      progress.started(index);
      const outcome = await runChildExecution(machine, child.input, {
        handlers: holdingSlot(deps.taskHandlers, slot),
        onWait: () => slot.release(),
        ...(deps.retryIntervalOverrides && { retryIntervalOverrides: deps.retryIntervalOverrides }),
        context: {
          Execution: { Id: executionArn, Name: name },
          StateMachine: { Id: arns.childStateMachineArn, Name: `${parent.stateMachineName}/${spec.label}` },
        },
      });
      const common = { ExecutionArn: executionArn, Input: JSON.stringify(child.input), Name: name };
      const dates = {
        StartDate: startDate,
        StopDate: new Date().toISOString(),
        StateMachineArn: arns.childStateMachineArn,
      };
      records[index] =
        outcome.status === 'SUCCEEDED'
          ? { ...common, Output: JSON.stringify(outcome.output), Status: 'SUCCEEDED', ...dates }
          : { ...common, Error: outcome.error, Cause: outcome.cause, Status: 'FAILED', ...dates };
      outcomes[index] = outcome;
      if (outcome.status === 'FAILED') failedItems += child.itemCount;
      exceeded ||= exceedsTolerance(failedItems, progress.items.total, settings);
      progress.finished(index, outcome);
    },
  );
  const pending = children.flatMap((child, index) => {
    if (records[index]) return [];
    const name = `child-${index}-${mapRunId.slice(0, 8)}`;
    const record: ChildExecutionRecord = {
      ExecutionArn: arns.childExecutionArn(name),
      Input: JSON.stringify(child.input),
      Name: name,
      Status: 'PENDING',
      StateMachineArn: arns.childStateMachineArn,
    };
    return [record];
  });
  progress.emit('map-finished');

  let details: { Bucket: string; Key: string } | undefined;
  if (target) {
    const all = [...records.filter((r): r is ChildExecutionRecord => r !== undefined), ...pending];
    try {
      const run = { ...target, mapRunId, mapRunArn: arns.mapRunArn };
      details = await writeMapRunResults(deps.blobs, run, all, deps.resultFileMaxBytes);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new MapRunError('States.ResultWriterFailed', `Distributed Map "${spec.stateName}": ${reason}`);
    }
  }
  if (progress.callbackError !== undefined) throw progress.callbackError;
  const where = details ? `; results in ${details.Key}` : '';
  if (exceeded) {
    const cause = `The specified tolerated failure threshold was exceeded: ${failedItems} of ${progress.items.total} items failed in Distributed Map "${spec.stateName}" (ToleratedFailurePercentage ${settings.ToleratedFailurePercentage ?? 'unset'}, ToleratedFailureCount ${settings.ToleratedFailureCount ?? 'unset'})${where}`;
    throw new MapRunError('States.ExceedToleratedFailureThreshold', cause, details);
  }
  if (pending.length > 0) {
    const cause = `Distributed Map "${spec.stateName}" was aborted: ${progress.items.pending} of ${progress.items.total} items never started${where}`;
    throw new MapRunError(MAP_RUN_ABORTED, cause, details);
  }
  if (details) return { MapRunArn: arns.mapRunArn, ResultWriterDetails: details };
  return outcomes.map((o) =>
    o?.status === 'SUCCEEDED' ? o.output : { Error: o?.error ?? '', Cause: o?.cause ?? '' },
  );
}

function itemsAt(items: unknown, stateName: string): Json[] {
  if (!Array.isArray(items)) {
    throw new TerminalStateError(
      'States.Runtime',
      `Distributed Map "${stateName}": ItemsPath must select an array`,
    );
  }
  return items as Json[];
}

/**
 * Runs `task` for child 0..total-1: a child starts once a work slot is free and holds it for its Task states
 * (ChildSlot), so at most `working` children work at once; children in a Wait state hold none, and at most
 * `alive` children exist at once, waiting ones included.
 */
async function runPool(
  total: number,
  limits: { working: number; alive: number },
  mayStart: () => boolean,
  task: (i: number, slot: ChildSlot) => Promise<void>,
) {
  const slots = new WorkSlots(limits.working);
  const live = new Set<Promise<void>>();
  for (let i = 0; i < total; i++) {
    while (live.size >= limits.alive) await Promise.race(live);
    await slots.acquire(i);
    if (!mayStart()) {
      slots.release();
      break;
    }
    const slot = new ChildSlot(slots, i, true);
    const run: Promise<void> = task(i, slot).finally(() => {
      slot.release();
      live.delete(run);
    });
    live.add(run);
  }
  await Promise.all(live);
}

/** The Task handlers, each first taking the child's work slot back if a Wait state gave it up. */
function holdingSlot(handlers: LocalHandlers, slot: ChildSlot): LocalHandlers {
  return Object.fromEntries(
    Object.entries(handlers).map(([state, handler]) => [
      state,
      async (input: Json) => {
        await slot.hold();
        return handler(input);
      },
    ]),
  );
}
