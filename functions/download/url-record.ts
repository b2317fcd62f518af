import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PREFIXES, urlRecordKey as recordKeyOfHash } from '#core/contracts/run-layout.ts';
import { BlobNotFoundError } from '#core/errors.ts';
import { FORMAT_INFO } from '#core/image/check.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { ConditionalValidators } from '#core/ports/http-client.ts';
import { freshUntil } from './freshness.ts';

/** What the last successful download of one URL left behind, so the next run can be polite. */
export interface UrlRecord {
  /** The URL without its fragment. */
  url: string;
  /** The stored original it resolved to. */
  originalKey: string;
  etag?: string;
  lastModified?: string;
  /** ISO time of the host's last answer (200 or 304). */
  fetchedAt: string;
  /** ISO time until which the host said the image stays fresh; absent: revalidate before reuse. */
  maxAgeUntil?: string;
}

/** Records bigger than this are not ours: they are ignored like any other corrupt record. */
const MAX_RECORD_BYTES = 8 * 1024;
const MAX_VALIDATOR_LENGTH = 1024;
const EXTENSIONS = Object.values(FORMAT_INFO).map((f) => f.ext);
const ORIGINAL_KEY = new RegExp(`^${PREFIXES.originals}[0-9a-f]{64}\\.(${EXTENSIONS.join('|')})$`);
/** A header value we can send back: visible ASCII and spaces, no CR, LF or other controls. */
const validator = z
  .string()
  .min(1)
  .max(MAX_VALIDATOR_LENGTH)
  .regex(/^[\x20-\x7e]+$/);

const schema = z.object({
  url: z.string().min(1),
  originalKey: z.string().regex(ORIGINAL_KEY),
  etag: validator.optional(),
  lastModified: validator.refine((v) => !Number.isNaN(Date.parse(v))).optional(),
  fetchedAt: z.iso.datetime(),
  maxAgeUntil: z.iso.datetime().optional(),
});

/** The URL as records key it: without its fragment, which never reaches the host. */
export function canonicalUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.hash = '';
    return parsed.href;
  } catch {
    return url;
  }
}

/** The blob key of a URL's record: `urls/<sha256 of the canonical URL>.json`. */
export function urlRecordKey(url: string): string {
  return recordKeyOfHash(createHash('sha256').update(canonicalUrl(url)).digest('hex'));
}

/**
 * Reads a URL's record; undefined when there is none or it is unusable (not JSON, wrong shape, another URL's,
 * too big). Only BlobStore failures throw.
 */
export async function readUrlRecord(blobs: BlobStore, url: string): Promise<UrlRecord | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await blobs.get(urlRecordKey(url));
  } catch (error) {
    if (error instanceof BlobNotFoundError) return undefined;
    throw error;
  }
  if (bytes.length > MAX_RECORD_BYTES) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success || parsed.data.url !== canonicalUrl(url)) return undefined;
  return parsed.data as UrlRecord;
}

/** Writes a URL's record (replacing any earlier one). */
export async function writeUrlRecord(blobs: BlobStore, record: UrlRecord): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(record));
  await blobs.put(urlRecordKey(record.url), bytes, 'application/json');
}

/**
 * The record of a host's answer (a 200 that stored `originalKey`, or a 304 confirming it): its validators
 * and freshness, keeping `previous` validators the answer did not repeat.
 */
export function recordAnswer(
  url: string,
  originalKey: string,
  headers: Readonly<Record<string, string>>,
  nowMs: number,
  capMs: number | undefined,
  previous?: ConditionalValidators,
): UrlRecord {
  const etag = usable(headers.etag) ?? previous?.etag;
  const lastModified = usableDate(headers['last-modified']) ?? previous?.lastModified;
  const until = freshUntil(headers, nowMs, capMs);
  return {
    url: canonicalUrl(url),
    originalKey,
    ...(etag === undefined ? {} : { etag }),
    ...(lastModified === undefined ? {} : { lastModified }),
    fetchedAt: new Date(nowMs).toISOString(),
    ...(until === undefined ? {} : { maxAgeUntil: new Date(until).toISOString() }),
  };
}

/** The validators worth sending for a record, or undefined when it has none. */
export function validatorsOf(record: UrlRecord): ConditionalValidators | undefined {
  if (record.etag === undefined && record.lastModified === undefined) return undefined;
  return {
    ...(record.etag === undefined ? {} : { etag: record.etag }),
    ...(record.lastModified === undefined ? {} : { lastModified: record.lastModified }),
  };
}

function usable(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed !== undefined && validator.safeParse(trimmed).success ? trimmed : undefined;
}

function usableDate(value: string | undefined): string | undefined {
  const text = usable(value);
  return text !== undefined && !Number.isNaN(Date.parse(text)) ? text : undefined;
}
