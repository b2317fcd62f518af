import { EnvironmentFaultError, environmentFaultOf } from '#core/env-fault.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';

/**
 * The fault as the local interpreter sees it: same name and message, but the Task's Retry is skipped
 * (aws-local-stepfunctions reads `isRetryable`), since the run is stopping; its Catch still applies.
 */
class StoppingFault extends EnvironmentFaultError {
  get isRetryable(): boolean {
    return false;
  }
}

/**
 * Stops a local run at the first environment fault (disk full, read-only, permission denied, too many open
 * files): remembers it, aborts `signal` so no new batch starts, and lets the batches in flight end at once.
 */
export class FaultStop {
  /** The first environment fault of the run, if any. */
  first: EnvironmentFaultError | undefined;
  /** Aborted by the caller's signal or by the first fault. */
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();

  constructor(outer?: AbortSignal) {
    this.signal = outer ? AbortSignal.any([outer, this.controller.signal]) : this.controller.signal;
  }

  /** `handler`, stopping the run when it fails with an environment fault. */
  guard<A extends unknown[], T>(handler: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
    return async (...args) => {
      try {
        return await handler(...args);
      } catch (error) {
        throw this.seen(error);
      }
    };
  }

  /** `blobs`, stopping the run when a call fails with an environment fault (the Map's reader and writer). */
  blobs(blobs: BlobStore): BlobStore {
    return {
      put: this.guard((key: string, data: Uint8Array, type?: string) => blobs.put(key, data, type)),
      get: this.guard((key: string) => blobs.get(key)),
      has: this.guard((key: string) => blobs.has(key)),
      list: this.guard((prefix: string) => blobs.list(prefix)),
      delete: this.guard((key: string) => blobs.delete(key)),
    };
  }

  private seen(error: unknown): unknown {
    const fault = environmentFaultOf(error);
    if (!fault) return error;
    this.first ??= fault;
    this.controller.abort(this.first);
    const { kind, code, path, action } = fault;
    return new StoppingFault({ kind, code, action, ...(path !== undefined && { path }) }, fault);
  }
}
