import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DamagedImageLine } from '#adapters/file-vector-store/image-log-scan.ts';
import { IMAGE_LOG_NAME, ImageVectorLog } from '#adapters/file-vector-store/image-vector-log.ts';
import type { AreaResult, Finding } from './findings.ts';

const SHOWN_IDS = 20;

/**
 * Reads the index's per-image vectors (`image-vectors.log`, used by eval's view consistency) read-only: each
 * damaged line is a finding naming its line, offset and the products whose vectors it lost, which go in the
 * repair catalog (an ingest of a product writes them again). `stored`: the products the index holds (null when
 * it could not be read); `writing`: a live writer holds the lock, so a torn last line is its append in progress.
 */
export async function checkImageLog(
  indexDir: string,
  stored: Set<string> | null,
  writing: boolean,
): Promise<AreaResult> {
  const file = path.join(indexDir, IMAGE_LOG_NAME);
  if (!existsSync(file)) return { checked: {}, findings: [] };
  const log = await ImageVectorLog.open(file);
  try {
    const lines = log.damage().filter((l) => !(l.torn && writing));
    const withVectors = new Set(log.ids());
    const unread = stored ? [...stored].filter((id) => !withVectors.has(id)) : [];
    return {
      checked: { imageVectorRecords: withVectors.size },
      findings: lines.map((l) => lineFinding(file, l, stored, unread)),
    };
  } finally {
    await log.close();
  }
}

/**
 * A damaged line as a finding. A readable id is affected unless a later line wrote it again or deleted it, or
 * the index no longer holds the product. Where no id reads, the stored products without per-image vectors
 * (`unread`) are what it may have held.
 */
function lineFinding(
  file: string,
  l: DamagedImageLine,
  stored: Set<string> | null,
  unread: string[],
): Finding {
  const notes: string[] = [];
  const lost: string[] = [];
  for (const id of l.ids) {
    if (l.rewritten.includes(id)) {
      notes.push(`${id}'s per-image vectors were written again or deleted by a later line: nothing is lost`);
    } else if (stored && !stored.has(id)) {
      notes.push(`${id} is not in the index: nothing is lost`);
    } else {
      lost.push(id);
    }
  }
  if (lost.length > 0) {
    const what =
      l.kind === 'imgdel'
        ? `the deletion of the per-image vectors of ${listIds(lost)} is lost`
        : `the latest per-image vectors of ${listIds(lost)} are lost`;
    notes.push(
      `${what} (an older version, or none, is read instead); --repair lists ${lost.length > 1 ? 'these products' : 'the product'} in its catalog, and an ingest of it writes them again`,
    );
  }
  if (l.ids.length === 0) {
    notes.push(
      unread.length > 0
        ? `no product id reads in it; the stored products without per-image vectors may include its product, and --repair lists them in its catalog: ${listIds(unread)}`
        : 'no product id reads in it, and every stored product has per-image vectors: which one, if any, is read in an older version cannot be told',
    );
    lost.push(...unread);
  }
  const what = `${l.fault}${l.kind ? ` in an ${l.kind} record` : ''}${l.ids.length ? ` of ${l.ids.join(', ')}` : ''}`;
  return {
    area: 'index',
    severity: 'damage',
    subject: `${file} line ${l.line} (byte ${l.offset}, ${l.bytes} bytes)`,
    fault: `${what}; skipped${notes.length ? `: ${notes.join('; ')}` : ''}`,
    productIds: lost,
  };
}

function listIds(ids: string[]): string {
  const more = ids.length > SHOWN_IDS ? ` and ${ids.length - SHOWN_IDS} more` : '';
  return `${ids.slice(0, SHOWN_IDS).join(', ')}${more}`;
}
