/** Base class of every error Threadfinder raises on purpose. */
export class ThreadfinderError extends Error {
  override name = 'ThreadfinderError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Bad user input (catalog, query, request): never retried, maps to HTTP 400. */
export class InputError extends ThreadfinderError {
  override name = 'InputError';
  constructor(
    message: string,
    readonly code = 'invalid_input',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A required model is not present locally; the message says which, where we looked and how to fetch it. */
export class ModelMissingError extends ThreadfinderError {
  override name = 'ModelMissingError';
}

/** Configuration is invalid (environment variable, config file). */
export class ConfigError extends ThreadfinderError {
  override name = 'ConfigError';
}

/** The vector store was built with a different model than the one asked to search it. */
export class ModelMismatchError extends ThreadfinderError {
  override name = 'ModelMismatchError';
}

/** A blob that should exist does not. */
export class BlobNotFoundError extends ThreadfinderError {
  override name = 'BlobNotFoundError';
  constructor(readonly key: string) {
    super(`blob not found: ${key}`);
  }
}

/** A blob over the store's read limit (read whole, it would not fit the process): nothing was read. */
export class BlobTooLargeError extends ThreadfinderError {
  override name = 'BlobTooLargeError';
  constructor(
    readonly key: string,
    readonly bytes: number,
    readonly limit: number,
    message: string,
  ) {
    super(message);
  }
}

/** A fetch failed before a usable response arrived (blocked target, timeout, oversized body, network). */
export class HttpClientError extends ThreadfinderError {
  override name = 'HttpClientError';
  constructor(
    message: string,
    readonly reason: import('./types.ts').FailureReason,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
