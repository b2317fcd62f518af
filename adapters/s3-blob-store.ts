import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { assertValidBlobKey } from '#core/contracts/blob-key.ts';
import { BlobNotFoundError, BlobTooLargeError, InputError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import { createDefaultS3Client } from './s3/default-s3-client.ts';
import { isNotFound, S3BlobStoreError } from './s3/s3-blob-store-error.ts';

export { S3BlobStoreError };

/** Options of S3BlobStore. */
export interface S3BlobStoreOptions {
  bucket: string;
  /** Folder inside the bucket that holds this store's keys, e.g. `threadfinder/` (a trailing '/' is added). */
  prefix?: string;
  /** Injected client; by default `createDefaultS3Client()` (retries, timeouts, region from the environment). */
  client?: S3Client;
  /** `get` refuses objects larger than this many bytes, judged by Content-Length before reading (default 64 MiB). */
  maxGetBytes?: number;
  /** Keys per ListObjectsV2 page, 1 to 1000 (default 1000). */
  pageSize?: number;
}

/** The most `get` reads at once unless told otherwise: the cloud functions' limit on one object. */
export const DEFAULT_MAX_GET_BYTES = 64 * 1024 * 1024;

function isValidBlobKey(key: string): boolean {
  try {
    assertValidBlobKey(key);
    return true;
  } catch {
    return false;
  }
}

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Every segment but the last must be whole; the last may be partial ('runs/r1/emb') or empty ('runs/'). */
function assertValidBlobPrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw new InputError('blob prefix must be a string');
  if (/^\/|[\0\\]/.test(prefix)) assertValidBlobKey(prefix, 'blob prefix');
  const cut = prefix.lastIndexOf('/');
  if (cut > 0) assertValidBlobKey(prefix.slice(0, cut), 'blob prefix');
}

function positiveInt(value: number | undefined, fallback: number, what: string, max = Infinity): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InputError(`S3BlobStore ${what} must be an integer from 1 to ${max}, got ${value}`);
  }
  return value;
}

/**
 * BlobStore on an S3 bucket, one object per key (under `prefix`). A PUT is atomic in S3, so readers see
 * the old object or the new one. The role needs s3:ListBucket too, or S3 answers 403 (not 404) for a
 * missing key. `has` cannot tell a missing bucket from a missing key (HEAD answers a bare 404) and says false.
 */
export class S3BlobStore implements BlobStore {
  private readonly bucket: string;
  private readonly keyPrefix: string;
  private readonly client: S3Client;
  private readonly maxGetBytes: number;
  private readonly pageSize: number;

  constructor(options: S3BlobStoreOptions) {
    if (typeof options.bucket !== 'string' || options.bucket === '') {
      throw new InputError('S3BlobStore bucket must be a non-empty string');
    }
    this.bucket = options.bucket;
    const prefix = (options.prefix ?? '').replace(/\/$/, '');
    if (prefix !== '') assertValidBlobKey(prefix, 'S3BlobStore prefix');
    this.keyPrefix = prefix === '' ? '' : `${prefix}/`;
    this.client = options.client ?? createDefaultS3Client();
    this.maxGetBytes = positiveInt(options.maxGetBytes, DEFAULT_MAX_GET_BYTES, 'maxGetBytes');
    this.pageSize = positiveInt(options.pageSize, 1000, 'pageSize', 1000);
  }

  async put(key: string, data: Uint8Array, contentType?: string): Promise<void> {
    const objectKey = this.objectKey(key);
    if (!(data instanceof Uint8Array)) throw new InputError(`blob ${key}: data must be a Uint8Array`);
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: objectKey,
      Body: data,
      ContentLength: data.byteLength,
      ContentType: contentType ?? 'application/octet-stream',
    });
    await this.client.send(command).catch((error: unknown) => this.fail('PutObject', objectKey, error));
  }

  async get(key: string): Promise<Uint8Array> {
    const objectKey = this.objectKey(key);
    let output: GetObjectCommandOutput;
    try {
      output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError(key);
      return this.fail('GetObject', objectKey, error);
    }
    const { Body: body, ContentLength: length } = output;
    if (length !== undefined && length > this.maxGetBytes) {
      (body as { destroy?: () => void } | undefined)?.destroy?.();
      throw this.tooLarge(objectKey, length);
    }
    if (body === undefined) return new Uint8Array(0);
    const bytes = await body
      .transformToByteArray()
      .catch((error: unknown) => this.fail('GetObject (body)', objectKey, error));
    if (bytes.byteLength > this.maxGetBytes) throw this.tooLarge(objectKey, bytes.byteLength);
    return bytes;
  }

  async has(key: string): Promise<boolean> {
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      return this.fail('HeadObject', objectKey, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    assertValidBlobPrefix(prefix);
    const fullPrefix = this.keyPrefix + prefix;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const command = new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: fullPrefix,
        MaxKeys: this.pageSize,
        ContinuationToken: token,
      });
      const page = await this.client
        .send(command)
        .catch((error: unknown) => this.fail('ListObjectsV2', fullPrefix, error));
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(this.keyPrefix.length);
        if (key !== undefined && isValidBlobKey(key)) keys.push(key);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys.sort(byUtf8);
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    const command = new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey });
    await this.client.send(command).catch((error: unknown) => {
      if (!isNotFound(error)) this.fail('DeleteObject', objectKey, error);
    });
  }

  private objectKey(key: string): string {
    assertValidBlobKey(key);
    return this.keyPrefix + key;
  }

  private fail(operation: string, objectKey: string, cause: unknown): never {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    throw new S3BlobStoreError(
      `S3 ${operation} s3://${this.bucket}/${objectKey} failed: ${reason}`,
      this.bucket,
      objectKey,
      { cause },
    );
  }

  private tooLarge(objectKey: string, bytes: number): BlobTooLargeError {
    return new BlobTooLargeError(
      objectKey,
      bytes,
      this.maxGetBytes,
      `S3 object s3://${this.bucket}/${objectKey} is ${bytes} bytes, over the ${this.maxGetBytes}-byte limit (maxGetBytes)`,
    );
  }
}
