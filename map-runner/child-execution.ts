import type { Json } from './asl.ts';
import { ExecutionError, ExecutionTimeoutError, type StateMachine } from './interpreter.ts';

/** Local Task handlers by state name, as the interpreter calls them (JSON in, JSON out). */
export type LocalHandlers = Record<string, (input: Json) => Promise<Json>>;

/** Per-state Retry pause overrides in milliseconds (aws-local-stepfunctions `retryIntervalOverrides`). */
export type RetryIntervalOverrides = Record<string, number | number[]>;

/** How a child execution ended. */
export type ChildOutcome =
  | { status: 'SUCCEEDED'; output: Json }
  | { status: 'FAILED'; error: string; cause: string };

/** The ASL Error and Cause of a failed execution, as a Catch or the execution's failure would report them. */
export function aslFailure(thrown: unknown): { error: string; cause: string } {
  if (thrown instanceof ExecutionTimeoutError)
    return { error: 'States.Timeout', cause: 'execution timed out' };
  const failure = thrown instanceof ExecutionError ? thrown.cause : thrown;
  if (failure instanceof Error) return { error: failure.name, cause: failure.message };
  return { error: 'Error', cause: String(failure) };
}

/** Runs one child execution of a Map's ItemProcessor to its end. */
export async function runChildExecution(
  machine: StateMachine,
  input: Json,
  options: {
    handlers: LocalHandlers;
    retryIntervalOverrides?: RetryIntervalOverrides;
    context: Record<string, unknown>;
    /** Called as the execution enters a Wait state. */
    onWait?: () => void;
  },
): Promise<ChildOutcome> {
  try {
    const execution = machine.run(input, {
      overrides: {
        taskResourceLocalHandlers: options.handlers,
        ...(options.retryIntervalOverrides && { retryIntervalOverrides: options.retryIntervalOverrides }),
      },
      context: options.context,
    });
    if (options.onWait) void watchWaits(execution.eventLogs, options.onWait);
    const output = await execution.result;
    return { status: 'SUCCEEDED', output: output as Json };
  } catch (thrown) {
    return { status: 'FAILED', ...aslFailure(thrown) };
  }
}

async function watchWaits(
  events: AsyncGenerator<{ type: string; state?: { type: string } }>,
  onWait: () => void,
) {
  try {
    for await (const event of events) {
      if (event.type === 'StateEntered' && event.state?.type === 'Wait') onWait();
    }
  } catch {
    // The execution's own result reports its failure.
  }
}
