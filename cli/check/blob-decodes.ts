import sharp from 'sharp';
import { BlobNotFoundError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';

/** Whether a blob exists and decodes as an image: `ok`, or why not. */
export type BlobHealth = 'ok' | 'missing' | 'undecodable';

/**
 * Checks image blobs, once each (products share originals and masks): a full decode, so a truncated or
 * bit-flipped image is caught, not only a bad header.
 */
export class BlobChecker {
  private readonly seen = new Map<string, Promise<BlobHealth>>();

  constructor(private readonly blobs: BlobStore) {}

  /** Distinct blobs checked so far. */
  get count(): number {
    return this.seen.size;
  }

  check(key: string): Promise<BlobHealth> {
    let health = this.seen.get(key);
    if (!health) {
      health = this.decode(key);
      this.seen.set(key, health);
    }
    return health;
  }

  private async decode(key: string): Promise<BlobHealth> {
    let bytes: Uint8Array;
    try {
      bytes = await this.blobs.get(key);
    } catch (error) {
      if (error instanceof BlobNotFoundError) return 'missing';
      throw error;
    }
    try {
      await sharp(bytes, { failOn: 'truncated', limitInputPixels: false }).raw().toBuffer();
      return 'ok';
    } catch {
      return 'undecodable';
    }
  }
}
