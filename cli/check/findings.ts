/** What part of a data dir a finding is about. */
export type CheckArea = 'index' | 'products' | 'url-records' | 'runs';

/** One thing `check` found wrong: `damage` fails the check, a `warning` does not. */
export interface Finding {
  area: CheckArea;
  severity: 'damage' | 'warning';
  /** The file, blob key or product it is about. */
  subject: string;
  fault: string;
  /** Products affected, where known: they are listed in the repair catalog. */
  productIds?: string[];
  /** A blob --repair deletes so the next ingest makes it again: an image that does not decode, a bad URL record. */
  removable?: string;
  /** Products served again because the record of their deletion was lost: --repair deletes them again. */
  lostDeletions?: string[];
  /** A bind record lost in a damaged line, as --repair writes it again: the model and its records' width. */
  rebind?: { model: string; dim: number };
}

/** What one area checked and found. */
export interface AreaResult {
  /** How many items were checked, e.g. `{ products: 30, blobs: 180 }`. */
  checked: Record<string, number>;
  findings: Finding[];
  /** What it says that is neither damage nor a warning, after the report's summary line. */
  notes?: string[];
}

/** The outcome of checking one data dir. */
export interface CheckReport {
  /** What was checked: the data dir, or (check --cloud) the bucket and the Atlas collection. */
  dataDir: string;
  checked: Record<string, number>;
  findings: Finding[];
  /** True when a writer held the index lock during the check: findings may be transient. */
  writerActive: boolean;
  /** Who was writing, when `writerActive` (default: an ingestion holding the index lock). */
  writer?: string;
  /** Lines said after the summary line: how the check was made (check --cloud: read-only, not decoded). */
  notes?: string[];
  /** What to do about damage (default: run check --repair, then ingest its catalog). */
  remedy?: string;
  elapsedMs: number;
}

/** True when the report holds damage (not just warnings). */
export const isDamaged = (report: CheckReport): boolean =>
  report.findings.some((f) => f.severity === 'damage');

/** Distinct product ids named by damage findings, in order of appearance. */
export function damagedProductIds(findings: Finding[]): string[] {
  return [...new Set(findings.flatMap((f) => (f.severity === 'damage' ? (f.productIds ?? []) : [])))];
}

/** Distinct products damage findings name: to store again (productIds) or to delete again (lostDeletions). */
export function affectedProductIds(findings: Finding[]): string[] {
  const damage = findings.filter((f) => f.severity === 'damage');
  return [...new Set(damage.flatMap((f) => [...(f.productIds ?? []), ...(f.lostDeletions ?? [])]))];
}
