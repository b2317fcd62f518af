import { ThreadfinderError } from '#core/errors.ts';

/** A definition uses something the local runner cannot execute faithfully; the message names the state and field. */
export class UnsupportedDefinitionError extends ThreadfinderError {
  override name = 'UnsupportedDefinitionError';
}

/** A local execution ended in failure; `error` and `errorCause` are the ASL Error and Cause. */
export class LocalExecutionFailedError extends ThreadfinderError {
  override name = 'LocalExecutionFailedError';
  constructor(
    readonly error: string,
    readonly errorCause: string,
    options?: { cause?: unknown },
  ) {
    super(`execution failed: ${error}: ${errorCause}`, options);
  }
}

/** Where a Map Run's results were written, as the Distributed Map returns it. */
export interface ResultWriterDetails {
  Bucket: string;
  Key: string;
}

/**
 * An error raised by a Distributed Map run, named as Step Functions names it (e.g.
 * `States.ExceedToleratedFailureThreshold`) so the Map's Retry and Catch match on it; the message is the Cause.
 */
export class MapRunError extends Error {
  constructor(
    name: string,
    message: string,
    readonly resultWriterDetails?: ResultWriterDetails,
  ) {
    super(message);
    this.name = name;
  }
}

/**
 * An error no Retry or Catch handles (States.ALL included): the execution fails, as on AWS for
 * `States.DataLimitExceeded` and `States.Runtime` (e.g. a path that resolves to a value of the wrong type).
 */
export class TerminalStateError extends Error {
  constructor(name: 'States.DataLimitExceeded' | 'States.Runtime', message: string) {
    super(message);
    this.name = name;
  }
  get isRetryable(): boolean {
    return false;
  }
  get isCatchable(): boolean {
    return false;
  }
}
