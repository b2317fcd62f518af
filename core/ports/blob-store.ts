/**
 * Stores immutable binary objects under string keys (local disk, S3).
 *
 * @example
 * await blobs.put('originals/ab12.jpg', bytes, 'image/jpeg');
 * const back = await blobs.get('originals/ab12.jpg');
 */
export interface BlobStore {
  /** Writes atomically: a reader sees the old object or the new one, never a partial one. */
  put(key: string, data: Uint8Array, contentType?: string): Promise<void>;
  /** Throws BlobNotFoundError when the key does not exist. */
  get(key: string): Promise<Uint8Array>;
  has(key: string): Promise<boolean>;
  /** Keys starting with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}
