import { ThreadfinderError } from '#core/errors.ts';

/** gc will not run now: an ingestion holds a lock, or an index is damaged. Nothing was deleted. */
export class GcRefusedError extends ThreadfinderError {
  override name = 'GcRefusedError';
}
