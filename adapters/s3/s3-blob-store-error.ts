import { ThreadfinderError } from '#core/errors.ts';

/**
 * An S3 request failed for another reason than a missing key, or an object is over `maxGetBytes`.
 * `key` is the object key in the bucket (the store's prefix included).
 */
export class S3BlobStoreError extends ThreadfinderError {
  override name = 'S3BlobStoreError';
  constructor(
    message: string,
    readonly bucket: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound']);

/** True for the SDK errors of a missing object: NoSuchKey (GET) and NotFound (HEAD's bare 404). */
export function isNotFound(error: unknown): boolean {
  return NOT_FOUND.has((error as Error | undefined)?.name ?? '');
}
