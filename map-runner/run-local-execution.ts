import { randomUUID } from 'node:crypto';
import { InputError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import { executionArn, stateMachineArn } from './arns.ts';
import { type AslDefinition, forEachState, type Json } from './asl.ts';
import { aslFailure, type LocalHandlers, type RetryIntervalOverrides } from './child-execution.ts';
import { compile } from './compile.ts';
import { LocalExecutionFailedError, UnsupportedDefinitionError } from './errors.ts';
import { asLocalHandler, type TaskHandler } from './local-handlers.ts';
import { applyLocalTimeouts } from './local-timeouts.ts';
import type { MapProgress } from './map-progress.ts';
import { runDistributedMap } from './run-distributed-map.ts';
import { LOCAL_DISTRIBUTED_MAP_RESOURCE, substituteDistributedMaps } from './substitute.ts';

/** How to run a definition locally. */
export interface LocalExecutionOptions {
  /** One handler per Task state (child Task states of Distributed Maps included), by state name. */
  taskHandlers: Record<string, TaskHandler>;
  /** The bucket of every ItemReader and ResultWriter. */
  blobs: BlobStore;
  /** Most child executions at once per Distributed Map, on top of its MaxConcurrency (default 4). */
  mapConcurrency?: number;
  /** Retry pauses in ms by state name, e.g. `{ Download: 0 }` (tests). */
  retryIntervalOverrides?: RetryIntervalOverrides;
  /** Stops Distributed Maps from starting children; they then fail with MAP_RUN_ABORTED (Catch applies). */
  signal?: AbortSignal;
  onMapProgress?: (progress: MapProgress) => void;
  /** `$$.Execution.Name` (default: a random UUID); letters, digits, '-' and '_', at most 80. */
  executionName?: string;
  /** Used in ARNs (`$$.Execution.Id`, MapRunArn); default LocalStateMachine. */
  stateMachineName?: string;
  resultFileMaxBytes?: number;
}

const NAME = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * Executes an Amazon States Language definition in-process with aws-local-stepfunctions: Task states call
 * `taskHandlers`, Distributed Maps run locally (ItemReader, ItemBatcher, ResultWriter on `blobs`). Resolves
 * with the execution's output; rejects with LocalExecutionFailedError carrying the ASL Error and Cause, or
 * UnsupportedDefinitionError before anything runs.
 */
export async function runLocalExecution(
  definition: unknown,
  input: unknown,
  options: LocalExecutionOptions,
): Promise<Json> {
  const stateMachineName = options.stateMachineName ?? 'LocalStateMachine';
  const executionName = options.executionName ?? randomUUID();
  for (const [what, value] of [
    ['executionName', executionName],
    ['stateMachineName', stateMachineName],
  ]) {
    if (!NAME.test(value as string))
      throw new InputError(`${what} ${JSON.stringify(value)}: use 1-80 letters, digits, '-' or '_'`);
  }
  const { definition: main, maps } = substituteDistributedMaps(definition);
  const processors = Object.values(maps).map((spec) => spec.itemProcessor);
  for (const each of [main, ...processors]) applyLocalTimeouts(each);
  checkHandlers([main, ...processors], options.taskHandlers);

  const handlers: LocalHandlers = {};
  for (const [name, handler] of Object.entries(options.taskHandlers))
    handlers[name] = asLocalHandler(name, handler);
  const parent = { stateMachineName, executionName };
  for (const spec of Object.values(maps)) {
    handlers[spec.stateName] = (params) =>
      runDistributedMap(spec, params, {
        blobs: options.blobs,
        taskHandlers: handlers,
        parent,
        ...(options.retryIntervalOverrides && { retryIntervalOverrides: options.retryIntervalOverrides }),
        ...(options.mapConcurrency !== undefined && { concurrencyCap: options.mapConcurrency }),
        ...(options.signal && { signal: options.signal }),
        ...(options.onMapProgress && { onProgress: options.onMapProgress }),
        ...(options.resultFileMaxBytes !== undefined && { resultFileMaxBytes: options.resultFileMaxBytes }),
      });
  }

  const machine = compile(main, 'definition');
  for (const spec of Object.values(maps))
    compile(spec.itemProcessor, `Distributed Map "${spec.stateName}" ItemProcessor`);
  const execution = machine.run(JSON.parse(JSON.stringify(input ?? null)), {
    overrides: {
      taskResourceLocalHandlers: handlers,
      ...(options.retryIntervalOverrides && { retryIntervalOverrides: options.retryIntervalOverrides }),
    },
    context: {
      Execution: { Id: executionArn(stateMachineName, executionName), Name: executionName },
      StateMachine: { Id: stateMachineArn(stateMachineName), Name: stateMachineName },
    },
  });
  try {
    return (await execution.result) as Json;
  } catch (thrown) {
    const { error, cause } = aslFailure(thrown);
    throw new LocalExecutionFailedError(error, cause, { cause: thrown });
  }
}

function checkHandlers(definitions: AslDefinition[], handlers: Record<string, TaskHandler>): void {
  const tasks = new Set<string>();
  for (const definition of definitions) {
    forEachState(definition, (name, state) => {
      if (state.Type === 'Task' && state.Resource !== LOCAL_DISTRIBUTED_MAP_RESOURCE) tasks.add(name);
    });
  }
  const missing = [...tasks].filter((name) => typeof handlers[name] !== 'function');
  const unknown = Object.keys(handlers).filter((name) => !tasks.has(name));
  if (missing.length > 0) {
    throw new UnsupportedDefinitionError(`Task states without a local handler: ${missing.join(', ')}`);
  }
  if (unknown.length > 0) {
    throw new UnsupportedDefinitionError(
      `taskHandlers name no Task state of the definition: ${unknown.join(', ')}`,
    );
  }
}
