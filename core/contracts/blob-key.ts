import { InputError } from '#core/errors.ts';

/** Reserved for a store's partly written files: no key segment may start with it. */
export const TEMP_PREFIX = '.tf-partial-';
const MAX_KEY_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;

/**
 * Throws InputError unless `key` is a relative, '/'-separated blob key without empty, '.' or '..' segments,
 * backslashes or NUL characters (the rules every BlobStore adapter enforces).
 */
export function assertValidBlobKey(key: string, what = 'blob key'): void {
  if (typeof key !== 'string' || key.length === 0) throw new InputError(`${what} must be a non-empty string`);
  checkBlobPath(key, what, false);
}

/** Checks a key, or a prefix (`isPrefix`: the last segment may be partial or empty), against the rules. */
export function checkBlobPath(text: string, what: string, isPrefix: boolean): void {
  const shown = JSON.stringify(text);
  if (text.includes('\0')) throw new InputError(`${what} ${shown} contains a NUL character`);
  if (text.includes('\\')) throw new InputError(`${what} ${shown} contains a backslash; use '/'`);
  if (text.startsWith('/')) throw new InputError(`${what} ${shown} is absolute; keys are relative`);
  if (Buffer.byteLength(text) > MAX_KEY_BYTES) throw new InputError(`${what} is over ${MAX_KEY_BYTES} bytes`);
  const segments = text.split('/');
  if (isPrefix) segments.pop();
  for (const segment of segments) {
    if (segment === '') throw new InputError(`${what} ${shown} has an empty segment`);
    if (segment === '.' || segment === '..')
      throw new InputError(`${what} ${shown} has a '${segment}' segment`);
    if (segment.startsWith(TEMP_PREFIX))
      throw new InputError(`${what} ${shown} uses reserved '${TEMP_PREFIX}'`);
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
      throw new InputError(`${what} ${shown} has a segment over ${MAX_SEGMENT_BYTES} bytes`);
    }
  }
}
