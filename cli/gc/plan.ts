import { contentHashOf, PREFIXES } from '#core/contracts/run-layout.ts';
import type { BlobEntry } from './inventory.ts';
import type { References } from './references.ts';

/** The kinds of blob gc may delete; anything else (catalogs, unknown prefixes) is always kept. */
export const GC_KINDS = ['originals', 'masked', 'urls', 'embeddings', 'runs', 'map-results'] as const;
export type GcKind = (typeof GC_KINDS)[number] | 'other';

/** Count and bytes. */
export interface Tally {
  blobs: number;
  bytes: number;
}

/** What gc would delete and keep. */
export interface GcPlan {
  garbage: BlobEntry[];
  /** Per kind: what would go and what stays. */
  byKind: Record<GcKind, { garbage: Tally; kept: Tally }>;
  /** Run ids (folders under runs/) whose files go, and those kept. */
  runsDeleted: string[];
  runsKept: string[];
  /** Garbage spared because it was written within the grace period (counted as kept in `byKind`). */
  young: Tally;
  /** The grace period applied: the one asked for, or the stopped run's (`spareStoppedRun`); 0 for none. */
  graceMs: number;
}

/** How old run files must be before they go. */
export interface PlanOptions {
  nowMs: number;
  /** Runs whose newest file is older than this go (the newest finished run always stays). */
  runMaxAgeMs: number;
  /**
   * Nothing written less than this long ago goes, whatever references it (default 0). The cloud's gc cannot
   * lock the bucket against an ingestion, and one that is starting, or whose Lambda tasks are still finishing,
   * may store products that use blobs nothing references yet.
   */
  graceMs?: number;
  /**
   * Without a `graceMs`: when the last run did not finish (no summary, and no run finished after it began) and
   * began less than STOPPED_RUN_KEPT_MS ago, spare what was written since it began: no stored product
   * references its downloads, masks and vectors yet, and its re-run reuses them (the local gc).
   */
  spareStoppedRun?: boolean;
}

/** How long after it began a stopped run's work is spared for its re-run; older, it was abandoned. */
export const STOPPED_RUN_KEPT_MS = 7 * 24 * 3600 * 1000;

/**
 * Sorts every blob into garbage or kept: originals, masks and URL records that `refs` does not reference,
 * cached vectors (`embeddings/`) of the originals that go, and run files (`runs/<id>/`, `map-results/<id>/`,
 * `runs/<file>`) past their age. Catalogs and unknown prefixes are kept.
 */
export function planGc(entries: BlobEntry[], refs: References, options: PlanOptions): GcPlan {
  const folders = runFolders(entries);
  const graceMs = options.graceMs ?? (options.spareStoppedRun ? stoppedRunGrace(folders, options.nowMs) : 0);
  const keptOriginals = new Set([...refs.originalHashes, ...[...refs.originalKeys].map(contentHashOf)]);
  const runs = planRuns(folders, { ...options, runMaxAgeMs: Math.max(options.runMaxAgeMs, graceMs) });
  const plan: GcPlan = {
    garbage: [],
    byKind: Object.fromEntries(
      [...GC_KINDS, 'other'].map((k) => [k, { garbage: tally(), kept: tally() }]),
    ) as GcPlan['byKind'],
    runsDeleted: runs.deleted,
    runsKept: runs.kept,
    young: tally(),
    graceMs,
  };
  for (const entry of entries) {
    const kind = kindOf(entry.key);
    let goes = isGarbage(entry, kind, refs, keptOriginals, runs.goes);
    if (goes && options.nowMs - entry.modifiedMs < graceMs) {
      goes = false;
      add(plan.young, entry);
    }
    add(plan.byKind[kind][goes ? 'garbage' : 'kept'], entry);
    if (goes) plan.garbage.push(entry);
  }
  return plan;
}

function isGarbage(
  entry: BlobEntry,
  kind: GcKind,
  refs: References,
  keptOriginals: Set<string>,
  runGoes: (e: BlobEntry) => boolean,
) {
  switch (kind) {
    case 'originals':
      return !refs.originalKeys.has(entry.key) && !refs.originalHashes.has(contentHashOf(entry.key));
    case 'masked':
      return !refs.maskedKeys.has(entry.key);
    case 'urls':
      return !refs.urlRecordKeys.has(entry.key);
    case 'embeddings': {
      // embeddings/<model>/<original's hash>/<digest>.f32: a cached vector goes with its original.
      const hash = originalHashOfEmbedding(entry.key);
      return hash !== undefined && !keptOriginals.has(hash);
    }
    case 'runs':
    case 'map-results':
      return runGoes(entry);
    default:
      return false;
  }
}

/** The original's content hash an embedding cache entry is filed under; undefined for another shape. */
function originalHashOfEmbedding(key: string): string | undefined {
  const [model, hash, file, ...rest] = key.slice(PREFIXES.embeddings.length).split('/');
  return model && hash && file && rest.length === 0 ? hash : undefined;
}

function kindOf(key: string): GcKind {
  const top = key.split('/')[0] ?? '';
  return (GC_KINDS as readonly string[]).includes(top) && key.includes('/') ? (top as GcKind) : 'other';
}

/** A run folder (`runs/<id>/`): its newest file, and when its items (it began) and summary (it ended) were written. */
interface RunFolder {
  newest: number;
  startedMs?: number;
  finishedMs?: number;
}

function runFolders(entries: BlobEntry[]): Map<string, RunFolder> {
  const runs = new Map<string, RunFolder>();
  for (const e of entries) {
    const [top, id, ...rest] = e.key.split('/');
    if (top !== 'runs' || id === undefined || rest.length === 0) continue;
    const run = runs.get(id) ?? { newest: 0 };
    run.newest = Math.max(run.newest, e.modifiedMs);
    const file = rest.join('/');
    if (file === 'items.json') run.startedMs = e.modifiedMs;
    if (file === 'summary.json') run.finishedMs = e.modifiedMs;
    runs.set(id, run);
  }
  return runs;
}

/** The grace that spares what a stopped last run made (see PlanOptions.spareStoppedRun); 0 when none did. */
function stoppedRunGrace(runs: Map<string, RunFolder>, nowMs: number): number {
  let lastFinished = Number.NEGATIVE_INFINITY;
  let began = Number.NEGATIVE_INFINITY;
  for (const run of runs.values()) {
    if (run.finishedMs !== undefined) lastFinished = Math.max(lastFinished, run.finishedMs);
    else if (run.startedMs !== undefined) began = Math.max(began, run.startedMs);
  }
  if (!(began > lastFinished) || nowMs - began >= STOPPED_RUN_KEPT_MS) return 0;
  return Math.max(0, nowMs - began) + 60_000;
}

/** Run folders past their age, but never the newest finished run (what `check --repair` reads first). */
function planRuns(runs: Map<string, RunFolder>, options: PlanOptions) {
  const newestFinished = [...runs]
    .filter(([, r]) => r.finishedMs !== undefined)
    .sort(([, a], [, b]) => b.newest - a.newest)[0]?.[0];
  const old = (ms: number) => options.nowMs - ms > options.runMaxAgeMs;
  const deleted = new Set(
    [...runs].filter(([id, r]) => id !== newestFinished && old(r.newest)).map(([id]) => id),
  );
  const goes = (e: BlobEntry): boolean => {
    const [top, id, ...rest] = e.key.split('/');
    if (id === undefined) return false;
    if (top === 'runs' && rest.length === 0) return old(e.modifiedMs);
    if (deleted.has(id)) return true;
    return top === 'map-results' && !runs.has(id) && old(e.modifiedMs);
  };
  return {
    deleted: [...deleted].sort(),
    kept: [...runs.keys()].filter((id) => !deleted.has(id)).sort(),
    goes,
  };
}

const tally = (): Tally => ({ blobs: 0, bytes: 0 });

function add(t: Tally, e: BlobEntry): void {
  t.blobs++;
  t.bytes += e.size;
}
