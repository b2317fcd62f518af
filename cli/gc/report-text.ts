import type { GcKind, Tally } from './plan.ts';
import type { GcReport } from './run-gc.ts';

const LABELS: Record<GcKind, string> = {
  originals: 'originals',
  masked: 'masked images',
  urls: 'URL records',
  embeddings: 'cached vectors',
  runs: 'run files',
  'map-results': 'map results',
  other: 'catalogs, other',
};

/** Bytes for people: 1.2 MB, 340 KB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A grace period for people: 1 h, 90 min, 2 d. */
function formatAge(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 120)
    return minutes % 60 === 0 && minutes > 0 ? `${minutes / 60} h` : `${+minutes.toFixed(1)} min`;
  const hours = minutes / 60;
  return hours < 48 ? `${+hours.toFixed(1)} h` : `${+(hours / 24).toFixed(1)} d`;
}

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const show = (t: Tally) => `${t.blobs} (${formatBytes(t.bytes)})`;

/** The summary `gc` prints: per kind what goes and what stays, the index logs, and what was done. */
export function formatGcReport(r: GcReport): string {
  const p = r.phases;
  const compacting = r.indexes.length > 0 ? `, compacting ${sec(p.compactMs)}` : '';
  const phases = `references ${sec(p.referencesMs)}, listing ${sec(p.listMs)}${r.apply ? `, deleting ${sec(p.deleteMs)}${compacting}` : ''}`;
  const verb = r.apply ? 'deleting' : 'would delete';
  const lines = [
    `gc of ${r.dataDir} (${r.apply ? 'applied' : 'dry run: nothing deleted; --apply deletes'}), ${r.products} stored products, ${sec(r.elapsedMs)} (${phases})`,
    `  ${'kind'.padEnd(16)} ${verb.padEnd(22)} keeping`,
    ...Object.entries(r.plan.byKind).map(
      ([kind, t]) => `  ${LABELS[kind as GcKind].padEnd(16)} ${show(t.garbage).padEnd(22)} ${show(t.kept)}`,
    ),
    `  runs: ${r.plan.runsDeleted.length} past their age, ${r.plan.runsKept.length} kept (the newest finished run always stays)`,
    ...(r.graceMs !== undefined
      ? [
          `  spared ${show(r.plan.young)} that nothing references but that were written in the last ${formatAge(r.graceMs)} (the grace period): an ingestion may still store products that use them`,
        ]
      : []),
    ...(r.watched
      ? [
          `  no ingestion of ${r.watched} was running (checked before the scan${r.apply ? ' and before each batch of deletions' : ''})`,
        ]
      : []),
    ...r.indexes.map(
      (i) =>
        `  index ${i.dir}: ${i.products} products, log ${formatBytes(i.bytes)}${
          i.compacted
            ? `, compacted to ${formatBytes(i.compactedBytes)}`
            : i.compactedBytes < i.bytes
              ? `, ${r.apply ? 'not compacted (an ingestion took it)' : 'compacts'} to ${formatBytes(i.compactedBytes)}`
              : ' (compact)'
        }`,
    ),
  ];
  if (!r.apply) {
    lines.push(
      `Would free ${formatBytes(r.garbage.bytes)} in ${r.garbage.blobs} blob(s). Run gc --apply to delete them.`,
    );
    return lines.join('\n');
  }
  const deleted = r.deleted ?? { blobs: 0, bytes: 0 };
  lines.push(`Deleted ${deleted.blobs} blob(s), freed ${formatBytes(deleted.bytes)}.`);
  if (r.changedSinceScan)
    lines.push(`  ${r.changedSinceScan} blob(s) were written again since the scan and were kept.`);
  if (r.stoppedEarly) lines.push(`Stopped early: ${r.stoppedEarly}; run gc again once it is done.`);
  return lines.join('\n');
}
