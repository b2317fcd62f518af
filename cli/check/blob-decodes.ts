import sharp from 'sharp';
import { BlobNotFoundError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';

/** Whether a blob exists and decodes as an image: `ok`, or why not. */
export type BlobHealth = 'ok' | 'missing' | 'undecodable';

/** Checks image blobs, each once however many products use it. */
export interface ImageChecker {
  /** Distinct blobs checked so far. */
  readonly count: number;
  check(key: string): Promise<BlobHealth>;
  /** Told that `key` was just listed: a checker that only looks for existence need not ask again. */
  listed?(key: string): void;
}

/** Remembers each key's answer, so a blob shared by products is checked once. */
abstract class OncePerKey implements ImageChecker {
  private readonly seen = new Map<string, Promise<BlobHealth>>();

  get count(): number {
    return this.seen.size;
  }

  protected remember(key: string, health: BlobHealth): void {
    if (!this.seen.has(key)) this.seen.set(key, Promise.resolve(health));
  }

  check(key: string): Promise<BlobHealth> {
    let health = this.seen.get(key);
    if (!health) {
      health = this.examine(key);
      this.seen.set(key, health);
    }
    return health;
  }

  protected abstract examine(key: string): Promise<BlobHealth>;
}

/**
 * Checks image blobs, once each (products share originals and masks): a full decode, so a truncated or
 * bit-flipped image is caught, not only a bad header.
 */
export class BlobChecker extends OncePerKey {
  constructor(private readonly blobs: BlobStore) {
    super();
  }

  protected async examine(key: string): Promise<BlobHealth> {
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

/**
 * Checks only that image blobs exist (one HEAD each in S3), without reading them: `check --cloud` without
 * `--decode`, where a full decode would download every image of the bucket.
 */
export class BlobPresenceChecker extends OncePerKey {
  constructor(private readonly blobs: BlobStore) {
    super();
  }

  /** A key a listing just returned exists: no HEAD for it. */
  listed(key: string): void {
    this.remember(key, 'ok');
  }

  protected async examine(key: string): Promise<BlobHealth> {
    return (await this.blobs.has(key)) ? 'ok' : 'missing';
  }
}
