import { mapLimit } from '#core/concurrency.ts';
import { PREFIXES } from '#core/contracts/run-layout.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import { urlRecordKey } from '#functions/download/url-record.ts';
import type { AreaResult, Finding } from './findings.ts';
import { type KeyPages, listedAtOnce } from './key-pages.ts';

const CONCURRENCY = 16;

/**
 * Every URL record (`urls/*.json`) is readable, filed under its URL's key, and points to a stored original.
 * `pages` lists them (default: all at once from `blobs`); each page is checked before the next is read.
 */
export async function checkUrlRecords(
  blobs: BlobStore,
  pages: KeyPages = listedAtOnce(blobs, PREFIXES.urls),
  concurrency = CONCURRENCY,
): Promise<AreaResult> {
  const findings: Finding[] = [];
  let records = 0;
  for await (const keys of pages) {
    records += keys.length;
    const found = await mapLimit(keys, concurrency, (key) => checkRecord(blobs, key));
    findings.push(...found.flat());
  }
  return { checked: { urlRecords: records }, findings };
}

async function checkRecord(blobs: BlobStore, key: string): Promise<Finding[]> {
  // A bad record is only a lost hint (the next download fetches its URL again): --repair deletes it.
  const damage = (fault: string): Finding[] => [
    { area: 'url-records', severity: 'damage', subject: key, fault, removable: key },
  ];
  let record: { url?: unknown; originalKey?: unknown };
  try {
    record = JSON.parse(Buffer.from(await blobs.get(key)).toString('utf8'));
  } catch {
    return damage('not readable JSON (the next download of its URL ignores it and fetches again)');
  }
  if (typeof record?.url !== 'string' || typeof record.originalKey !== 'string') {
    return damage('lacks url or originalKey');
  }
  if (urlRecordKey(record.url) !== key) return damage(`holds another URL's record (${record.url})`);
  if (!(await blobs.has(record.originalKey))) {
    return damage(`points to ${record.originalKey}, which does not exist (URL ${record.url})`);
  }
  return [];
}
