import { type AslDefinition, forEachState } from './asl.ts';

/**
 * The longest timeout Node's setTimeout honours (2^31-1 ms, ~24.8 days); longer ones fire at once.
 * AWS's default for a Task is 99999999 s: this is the closest local stand-in.
 */
export const MAX_LOCAL_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * Gives every Task state without TimeoutSeconds/TimeoutSecondsPath the longest local timeout (the interpreter
 * otherwise stops Tasks after 60 s, where AWS waits 99999999 s), and caps timeouts Node cannot honour.
 * Modifies `definition` in place.
 */
export function applyLocalTimeouts(definition: AslDefinition): void {
  capTimeout(definition);
  forEachState(definition, (_name, state) => {
    if (
      state.Type === 'Task' &&
      state.TimeoutSeconds === undefined &&
      state.TimeoutSecondsPath === undefined
    ) {
      state.TimeoutSeconds = MAX_LOCAL_TIMEOUT_SECONDS;
    }
    capTimeout(state);
  });
}

function capTimeout(holder: Record<string, unknown>): void {
  if (typeof holder.TimeoutSeconds === 'number' && holder.TimeoutSeconds > MAX_LOCAL_TIMEOUT_SECONDS) {
    holder.TimeoutSeconds = MAX_LOCAL_TIMEOUT_SECONDS;
  }
}
