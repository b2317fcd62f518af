import { ThreadfinderError } from '#core/errors.ts';

/** Why a model file could not be fetched. */
export type FetchFailure =
  | 'unreachable'
  | 'http'
  | 'interrupted'
  | 'too_large'
  | 'checksum'
  | 'blocked'
  /** Another `models fetch` holds the model folder's lock. */
  | 'busy';

/** A model file could not be downloaded or verified; `failure` says which way it went wrong. */
export class ModelFetchError extends ThreadfinderError {
  override name = 'ModelFetchError';
  constructor(
    message: string,
    readonly failure: FetchFailure,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
