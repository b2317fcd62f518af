import {
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { mapLimit } from '#core/concurrency.ts';
import { ThreadfinderError } from '#core/errors.ts';
import type { BlobEntry, BlobInventory, RemoveResult } from './inventory.ts';

const CONCURRENCY = 16;

/**
 * S3 keeps Last-Modified to the second: HeadObject's header has no milliseconds, and a listing's may; so
 * times are compared by the second.
 */
const sameSecond = (a: number, b: number): boolean => Math.floor(a / 1000) === Math.floor(b / 1000);
/** ListObjectsV2 pages and DeleteObjects batches hold at most 1000 keys. */
const MAX_PAGE = 1000;

/** Where the blobs live: the bucket, the store's folder in it (as S3BlobStore's `prefix`), an injected client. */
export interface S3InventoryOptions {
  bucket: string;
  prefix?: string;
  client: S3Client;
  /** Keys per ListObjectsV2 page and per DeleteObjects batch, 1 to 1000 (default 1000). */
  pageSize?: number;
}

/**
 * The data bucket as gc sees it: ListObjectsV2 pages with sizes and times, and DeleteObjects batches of up to
 * 1000 keys, after a HeadObject of each that spares an object written again since it was listed.
 */
export class S3BlobInventory implements BlobInventory {
  private readonly root: string;
  private readonly pageSize: number;

  constructor(private readonly options: S3InventoryOptions) {
    this.pageSize = Math.min(MAX_PAGE, Math.max(1, Math.floor(options.pageSize ?? MAX_PAGE)));
    const prefix = options.prefix ?? '';
    this.root = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  async list(prefix: string): Promise<BlobEntry[]> {
    const entries: BlobEntry[] = [];
    for await (const page of this.pages(prefix)) entries.push(...page);
    return entries.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /**
   * The blobs under `prefix`, one ListObjectsV2 page (up to `pageSize` keys) at a time, in S3's key order
   * (UTF-8 bytes), so a caller can work through a large bucket without holding its whole listing.
   */
  async *pages(prefix: string): AsyncGenerator<BlobEntry[]> {
    let token: string | undefined;
    do {
      const page = await this.options.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.root + prefix,
          ContinuationToken: token,
          MaxKeys: this.pageSize,
        }),
      );
      const entries: BlobEntry[] = [];
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        entries.push({
          key: o.Key.slice(this.root.length),
          size: o.Size ?? 0,
          modifiedMs: o.LastModified?.getTime() ?? 0,
        });
      }
      if (entries.length > 0) yield entries;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async remove(entries: BlobEntry[]): Promise<RemoveResult> {
    // Each entry's verdict in its own slot: the lists keep the entries' order, not the order the HEADs finished in.
    const verdicts = await mapLimit(entries, CONCURRENCY, async (entry) => {
      const now = await this.head(entry.key);
      if (!now) return 'gone';
      return now.size !== entry.size || !sameSecond(now.modifiedMs, entry.modifiedMs)
        ? 'changed'
        : 'unchanged';
    });
    const result: RemoveResult = {
      deleted: [],
      changed: entries.filter((_, i) => verdicts[i] === 'changed'),
    };
    const unchanged = entries.filter((_, i) => verdicts[i] === 'unchanged');
    for (let at = 0; at < unchanged.length; at += this.pageSize) {
      const batch = unchanged.slice(at, at + this.pageSize);
      const output = await this.options.client.send(
        new DeleteObjectsCommand({
          Bucket: this.options.bucket,
          Delete: { Objects: batch.map((e) => ({ Key: this.root + e.key })), Quiet: true },
        }),
      );
      const failed = new Set((output.Errors ?? []).map((e) => e.Key));
      result.deleted.push(...batch.filter((e) => !failed.has(this.root + e.key)));
      if (failed.size > 0) {
        const first = output.Errors?.[0];
        throw new ThreadfinderError(
          `S3 refused to delete ${failed.size} object(s) of s3://${this.options.bucket}/${this.root}, e.g. ${first?.Key}: ${first?.Code} ${first?.Message}`,
        );
      }
    }
    return result;
  }

  private async head(key: string): Promise<{ size: number; modifiedMs: number } | undefined> {
    try {
      const o = await this.options.client.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.root + key }),
      );
      return { size: o.ContentLength ?? 0, modifiedMs: o.LastModified?.getTime() ?? 0 };
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (error as Error).name === 'NotFound') return undefined;
      throw error;
    }
  }
}
