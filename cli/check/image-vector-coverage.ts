import type { AreaResult } from './findings.ts';
import type { RunRecord } from './run-records.ts';

const SHOWN_IDS = 20;

/** What the coverage of the per-image vectors is judged from. */
export interface CoverageEvidence {
  /** The per-image vectors' log (named by the findings, whether or not it exists). */
  file: string;
  /** The products the index holds. */
  stored: Set<string>;
  /** The products with per-image vectors in the log. */
  withVectors: Set<string>;
  /** Products accounted for elsewhere: named by a damaged line of the log, or to be deleted again. */
  named: Set<string>;
  /** The runs of the index, oldest first. */
  runs: RunRecord[];
  /** A live writer holds the index lock: it may be writing the vectors of the products it just stored. */
  writing: boolean;
}

/**
 * The stored products without per-image vectors (eval's view consistency and re-aggregation read them), less
 * those accounted for elsewhere (`named`). When no product has any (and no damaged line names one), the index
 * was ingested before they were kept, as eval takes it ("not recorded"): a note, not a finding. A product lacks them legitimately when it was ingested before per-image
 * vectors were kept, and nothing in its records says so: the runs tell (see keptSince). A product that a
 * finished run stored after the runs show per-image vectors kept lost them: damage, which --repair lists in its
 * catalog. Any other (stored by a run recorded before that, by an interrupted one, or by none still recorded)
 * may predate them: a warning. While a live writer holds the lock, all are warnings: it may be writing them.
 */
export function coverageFindings(e: CoverageEvidence): Pick<AreaResult, 'findings' | 'notes'> {
  const missing = [...e.stored].filter((id) => !e.withVectors.has(id) && !e.named.has(id));
  if (missing.length === 0) return { findings: [] };
  if (e.withVectors.size === 0 && e.named.size === 0)
    return { findings: [], notes: [noneKept(missing.length)] };
  const since = keptSince(
    e.runs,
    [...e.stored].filter((id) => e.withVectors.has(id)),
  );
  const lost: string[] = [];
  const unplaced: string[] = [];
  for (const id of missing) (since.storedFrom(id) ? lost : unplaced).push(id);
  const remedy = (what: string) =>
    e.writing
      ? 'an ingestion holds the index lock and may be writing them now: check again once it ends'
      : what;
  const findings: AreaResult['findings'] = [];
  if (lost.length > 0) {
    findings.push({
      area: 'index',
      severity: e.writing ? 'warning' : 'damage',
      subject: e.file,
      fault: `${lost.length} stored product(s) have no per-image vectors (eval leaves them out), though a finished run that kept them (run ${since.first} or later) stored them: they were lost, by an ingestion stopped between a product's vector and its per-image vectors or by lines removed from this log; ${remedy('--repair lists them in its catalog, and an ingest of it writes them again')}: ${listIds(lost)}`,
      ...(e.writing ? {} : { productIds: lost }),
    });
  }
  if (unplaced.length > 0) {
    findings.push({
      area: 'index',
      severity: 'warning',
      subject: e.file,
      fault: `${unplaced.length} stored product(s) have no per-image vectors (eval leaves them out): not recorded, either ingested before per-image vectors were kept or by an ingestion stopped before writing them (no finished run that kept them stored them, so which cannot be told); ${remedy('an ingest of their catalog writes them')}: ${listIds(unplaced)}`,
    });
  }
  return { findings };
}

/**
 * From which run on the runs show per-image vectors kept. A product's vectors were written by a run whose
 * catalog lists it (one whose catalog is unreadable may list anything; runs gc removed are older than those
 * left), so by the latest such run at the latest: the earliest of those over the products with vectors
 * (`first`) kept them, and so did every later run. `storedFrom(id)`: a finished run at or after `first` says
 * it stored the product, so it wrote its per-image vectors too. Which run stored a product that no finished run
 * did cannot be told (an interrupted run writes no summary, and gc removes old runs): false.
 */
export function keptSince(
  runs: RunRecord[],
  withVectors: string[],
): { first: string | undefined; storedFrom(id: string): boolean } {
  const lastListed = new Map<string, number>();
  const lastStored = new Map<string, number>();
  let lastUnread = Number.NEGATIVE_INFINITY;
  runs.forEach((run, i) => {
    if (run.catalog === null) lastUnread = i;
    for (const id of run.catalog ?? []) lastListed.set(id, i);
    for (const id of run.stored ?? []) lastStored.set(id, i);
  });
  let from = Number.POSITIVE_INFINITY;
  for (const id of withVectors) {
    // A product no recorded run lists had its vectors written by a run no longer recorded: it places nothing.
    const written = Math.max(lastListed.get(id) ?? Number.NEGATIVE_INFINITY, lastUnread);
    from = Math.min(from, written === Number.NEGATIVE_INFINITY ? from : written);
  }
  return {
    first: runs[from]?.runId,
    storedFrom: (id) => (lastStored.get(id) ?? Number.NEGATIVE_INFINITY) >= from,
  };
}

/** An index none of whose products has per-image vectors: as eval says, ingested before they were kept. */
function noneKept(products: number): string {
  return `No stored product has per-image vectors (${products} product(s)): not recorded, as eval says, the index having been ingested before they were kept (or by an ingestion stopped before it wrote any); eval's view consistency is skipped until an ingest of the catalog writes them.`;
}

function listIds(ids: string[]): string {
  const more = ids.length > SHOWN_IDS ? ` and ${ids.length - SHOWN_IDS} more` : '';
  return `${ids.slice(0, SHOWN_IDS).join(', ')}${more}`;
}
