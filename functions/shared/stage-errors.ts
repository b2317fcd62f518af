import type { MiddlewareObj } from '@middy/core';
import { environmentFaultOf } from '#core/env-fault.ts';
import { InputError } from '#core/errors.ts';

/**
 * Middy middleware for the ingestion stages: an InputError of any subclass (CatalogFormatError,
 * EmptyCatalogError, ...) leaves the handler named `InputError`, the one name the state machine's Retry
 * never retries (Step Functions matches on the error's name, not its class). The message is kept.
 */
export function inputErrorsNotRetried(): MiddlewareObj {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof InputError && error.name !== 'InputError') {
        Object.defineProperty(error, 'name', { value: 'InputError', configurable: true, writable: true });
      }
    },
  };
}

/**
 * Middy middleware for the ingestion stages: a system error that is an environment fault (ENOSPC, EROFS,
 * EACCES/EPERM, EMFILE) leaves the handler as EnvironmentFaultError, named `EnvironmentFault` with a message
 * naming the fault and the path, so the batch fails and Step Functions retries it instead of a bare `Error`.
 */
export function environmentFaultsNamed(): MiddlewareObj {
  return {
    onError: async (request) => {
      const fault = environmentFaultOf(request.error);
      if (fault) request.error = fault;
    },
  };
}
