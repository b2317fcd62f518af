import { InputError, ThreadfinderError } from '#core/errors.ts';

/** A request the API refuses with a status other than 400 (413, 415, ...); still the caller's fault. */
export class RequestError extends InputError {
  override name = 'RequestError';
  constructor(
    readonly status: number,
    message: string,
    code: string,
    options?: { cause?: unknown },
  ) {
    super(message, code, options);
  }
}

/** The server cannot answer this kind of request now (a model that cannot load); maps to 503 or 501. */
export class UnavailableError extends ThreadfinderError {
  override name = 'UnavailableError';
  constructor(
    readonly status: 501 | 503,
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
