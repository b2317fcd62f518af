import { type Json, jsonBytes } from './asl.ts';
import type { LocalHandlers } from './child-execution.ts';
import { TerminalStateError } from './errors.ts';

/** A Task state's local implementation: receives the state's effective input, returns its result. */
export type TaskHandler = (input: unknown) => Promise<unknown>;

/** Step Functions' limit on a state's input or output, in bytes. */
export const STATE_PAYLOAD_LIMIT_BYTES = 262_144;

/**
 * Adapts a handler to behave like a Lambda behind a Task: its result crosses a JSON boundary (a Date becomes a
 * string, undefined becomes null), a result over 256 KiB fails the execution (`States.DataLimitExceeded`), and a
 * thrown error keeps its `name`, which Retry and Catch match on (`ErrorEquals: ["InputError"]`).
 */
export function asLocalHandler(stateName: string, handler: TaskHandler): LocalHandlers[string] {
  return async (input: Json): Promise<Json> => {
    let result: unknown;
    try {
      result = await handler(input);
    } catch (thrown) {
      throw thrown instanceof Error ? thrown : Object.assign(new Error(String(thrown)), { name: 'Error' });
    }
    const json = JSON.parse(JSON.stringify(result ?? null)) as Json;
    const bytes = jsonBytes(json);
    if (bytes > STATE_PAYLOAD_LIMIT_BYTES) {
      throw new TerminalStateError(
        'States.DataLimitExceeded',
        `The state/task "${stateName}" returned a result with a size of ${bytes} bytes, over the limit of ${STATE_PAYLOAD_LIMIT_BYTES} bytes`,
      );
    }
    return json;
  };
}
