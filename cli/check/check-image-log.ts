import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DamagedImageLine } from '#adapters/file-vector-store/image-log-scan.ts';
import { IMAGE_LOG_NAME, ImageVectorLog } from '#adapters/file-vector-store/image-vector-log.ts';
import type { AreaResult, Finding } from './findings.ts';
import { coverageFindings } from './image-vector-coverage.ts';
import type { RunRecord } from './run-records.ts';

const SHOWN_IDS = 20;

/**
 * Reads the index's per-image vectors (`image-vectors.log`, used by eval's view consistency) read-only: each
 * damaged line is a finding naming its line, offset and the products whose vectors it lost, which go in the
 * repair catalog (an ingest of a product writes them again). Then the stored products without per-image
 * vectors (see coverageFindings): damage where the runs (`context.runs`, oldest first) show an ingestion that
 * keeps them stored the product, a warning where they cannot tell it from one ingested before they were kept.
 * `stored`: the products the index holds (null when it could not be read); `writing`: a live writer holds the
 * lock, so a torn last line is its append in progress; `context.deleteAgain`: products served only because
 * their deletion was lost (--repair deletes them again, so their vectors are not missed).
 */
export async function checkImageLog(
  indexDir: string,
  stored: Set<string> | null,
  writing: boolean,
  context: { runs?: RunRecord[]; deleteAgain?: Iterable<string> } = {},
): Promise<AreaResult> {
  const file = path.join(indexDir, IMAGE_LOG_NAME);
  const runs = context.runs ?? [];
  const coverage = (withVectors: Set<string>, named: Iterable<string>) =>
    stored
      ? coverageFindings({
          file,
          stored,
          withVectors,
          named: new Set([...named, ...(context.deleteAgain ?? [])]),
          runs,
          writing,
        })
      : { findings: [] };
  if (!existsSync(file)) return { checked: {}, ...coverage(new Set(), []) };
  const log = await ImageVectorLog.open(file);
  try {
    const damaged = log.damage();
    const lines = damaged.filter((l) => !(l.torn && writing));
    const withVectors = new Set(log.ids());
    const unread = stored ? [...stored].filter((id) => !withVectors.has(id)) : [];
    const findings = lines.map((l) => lineFinding(file, l, stored, unread));
    // The ids of a torn last line a live writer is appending are being written: not missed either.
    const appending = damaged.filter((l) => l.torn && writing).flatMap((l) => l.ids);
    const named = [...findings.flatMap((f) => f.productIds ?? []), ...appending];
    const covered = coverage(withVectors, named);
    return {
      checked: { imageVectorRecords: withVectors.size },
      findings: [...findings, ...covered.findings],
      ...(covered.notes ? { notes: covered.notes } : {}),
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
