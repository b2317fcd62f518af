import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CopyObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DEFAULT_MAX_GET_BYTES } from '#adapters/s3-blob-store.ts';
import { CATALOG_LIMITS } from '#core/catalog/index.ts';
import { PREFIXES } from '#core/contracts/run-layout.ts';
import { InputError } from '#core/errors.ts';
import type { S3Sender } from './ports.ts';
import { parseS3Url, type S3Location, s3Url } from './s3-url.ts';

/** Where the state machine reads catalogs from, in the data bucket. */
export const CATALOG_PREFIX = PREFIXES.catalogs;
/**
 * Larger catalogs are refused before anything is uploaded or copied: the cloud prepare step reads the catalog
 * in one GET, capped at DEFAULT_MAX_GET_BYTES (64 MiB; its 1 GB of memory holds about that much catalog), below
 * the local limit.
 */
export const MAX_CATALOG_BYTES = Math.min(CATALOG_LIMITS.maxFileBytes, DEFAULT_MAX_GET_BYTES);
/** Object metadata holding the hex SHA-256 of an uploaded file, so the same file is not uploaded twice. */
export const SHA256_METADATA = 'sha256';

/** How the catalog got to `catalogs/...` in the data bucket. */
export type Placement = 'uploaded' | 'unchanged' | 'copied' | 'in-place';

/** What `placeCatalog` needs: the S3 client, a retrying caller, a log line writer. */
export interface PlaceContext {
  s3: S3Sender;
  call: <T>(send: () => Promise<T>) => Promise<T>;
  log(line: string): void;
  /** Aborts an upload or copy in flight (Ctrl-C before the execution starts). */
  signal?: AbortSignal;
}

/** Puts a local file or an s3:// object at `catalogs/<name>` in the data bucket; returns the key. */
export async function placeCatalog(
  catalog: string,
  bucket: string,
  ctx: PlaceContext,
): Promise<{ key: string; placement: Placement }> {
  if (catalog.startsWith('s3://')) return placeS3Object(parseS3Url(catalog), bucket, ctx);
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(catalog)) {
    throw new InputError(`${JSON.stringify(catalog)}: ingest --cloud takes a local file or an s3:// URL`);
  }
  return uploadFile(catalog, bucket, ctx);
}

async function uploadFile(file: string, bucket: string, ctx: PlaceContext) {
  const size = await fileSize(file);
  const key = catalogKeyFor(file);
  const sha256 = await hashFile(file);
  const existing = await head(ctx, { bucket, key });
  if (existing?.Metadata?.[SHA256_METADATA] === sha256.toString('hex')) {
    ctx.log(`${s3Url({ bucket, key })} already holds this file (same SHA-256): not uploading it again`);
    return { key, placement: 'unchanged' as const };
  }
  ctx.log(`Uploading ${file} (${formatBytes(size)}) to ${s3Url({ bucket, key })}`);
  await ctx.call(() =>
    ctx.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: createReadStream(file),
        ContentLength: size,
        ContentType: contentType(file),
        Metadata: { [SHA256_METADATA]: sha256.toString('hex') },
        // S3 checks the bytes it receives against this, so a file changed since hashing is refused.
        ChecksumSHA256: sha256.toString('base64'),
      }),
      { abortSignal: ctx.signal },
    ),
  );
  return { key, placement: 'uploaded' as const };
}

async function placeS3Object(source: S3Location, bucket: string, ctx: PlaceContext) {
  const found = await head(ctx, source);
  if (!found) throw new InputError(`${s3Url(source)} not found (or not readable with your credentials)`);
  checkSize(s3Url(source), found.ContentLength ?? 0);
  if (source.bucket === bucket && source.key.startsWith(CATALOG_PREFIX)) {
    return { key: source.key, placement: 'in-place' as const };
  }
  const key = catalogKeyFor(source.key);
  const origin = { source: encodeURIComponent(s3Url(source)), 'source-etag': found.ETag ?? '' };
  const existing = await head(ctx, { bucket, key });
  if (
    existing?.Metadata?.source === origin.source &&
    existing.Metadata['source-etag'] === origin['source-etag']
  ) {
    ctx.log(`${s3Url({ bucket, key })} is already a copy of ${s3Url(source)}: not copying it again`);
    return { key, placement: 'unchanged' as const };
  }
  ctx.log(`Copying ${s3Url(source)} (${formatBytes(found.ContentLength ?? 0)}) to ${s3Url({ bucket, key })}`);
  await ctx.call(() =>
    ctx.s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: key,
        CopySource: `${source.bucket}/${encodeURIComponent(source.key).replaceAll('%2F', '/')}`,
        CopySourceIfMatch: found.ETag,
        MetadataDirective: 'REPLACE',
        Metadata: origin,
        ContentType: found.ContentType,
      }),
      { abortSignal: ctx.signal },
    ),
  );
  return { key, placement: 'copied' as const };
}

/** `catalogs/<name>`, the name made of characters that are safe in keys, URLs and shells. */
export function catalogKeyFor(fileOrKey: string): string {
  const base = fileOrKey.split(/[\\/]/).pop() ?? '';
  const safe = base.replace(/[^A-Za-z0-9._-]/g, '_').slice(-200);
  return `${CATALOG_PREFIX}${/^\.*$/.test(safe) ? 'catalog' : safe}`;
}

async function head(ctx: PlaceContext, at: S3Location) {
  try {
    return await ctx.call(() => ctx.s3.send(new HeadObjectCommand({ Bucket: at.bucket, Key: at.key })));
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404)
      return undefined;
    throw error;
  }
}

async function fileSize(file: string): Promise<number> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new InputError(`catalog file not found: ${file}`);
    throw error;
  });
  if (!info.isFile()) throw new InputError(`${file} is not a file`);
  checkSize(file, info.size);
  return info.size;
}

function checkSize(name: string, size: number): void {
  if (size === 0) throw new InputError(`${name} is empty`);
  if (size > MAX_CATALOG_BYTES) {
    throw new InputError(
      `${name} is ${formatBytes(size)}, over the ${formatBytes(MAX_CATALOG_BYTES)} limit for a catalog: split it`,
    );
  }
}

async function hashFile(file: string): Promise<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest();
}

function contentType(file: string): string {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'text/csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'application/x-ndjson';
  return 'text/plain';
}

/** Bytes in B, KiB, MiB or GiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1).replace(/\.0$/, '')} ${units[unit]}`;
}
