import { hostPauseLines } from '#cli/host-pause-lines.ts';
import type { HostPause } from '#core/host-pause.ts';
import { truncate } from '#core/truncate.ts';
import type { RunFacts } from '#functions/aggregate/attention.ts';

/** A parsed JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

type JsonObject = { [key: string]: Json };

/** Reads `$.a.b` (dotted names only) from a JSON value; undefined when any step is missing. */
export function readJsonPath(value: Json | undefined, path: string): Json | undefined {
  if (path === '$') return value;
  let at: Json | undefined = value;
  for (const name of path.replace(/^\$\./, '').split('.')) {
    if (!isObject(at) || !(name in at)) return undefined;
    at = at[name];
  }
  return at;
}

const SHOWN = 5;
/** Fields printed by formatSummary's own lines; any other field is printed as compact JSON. */
const KNOWN = new Set([
  'runId',
  'summaryKey',
  'productsStored',
  'productsPartial',
  'productsSkipped',
  'productsNotEmbedded',
  'productsPruned',
  'pruneSkipped',
  'images',
  'hostPauses',
  'batchesStored',
  'batchesFailed',
  'batchesNotEmbedded',
  'mapResultsProblems',
  'warnings',
  'batchesNotDeleted',
  'first',
]);

/**
 * The aggregate's summary as readable lines. Takes the compact summary (counts plus `first` entries) or the
 * full one (lists); fields it does not know are printed as compact JSON, so nothing is hidden.
 */
export function formatSummary(summary: Json): string[] {
  if (!isObject(summary)) return [`Summary: ${truncate(JSON.stringify(summary), 500)}`];
  const s = summary;
  const first = isObject(s.first) ? s.first : {};
  const lines: string[] = [];
  const add = (label: string, value: Json | undefined, when = value !== undefined) => {
    if (when) lines.push(`${label}: ${value}`);
  };
  add('Products stored', s.productsStored);
  add('  of which with some images failed', s.productsPartial, Number(s.productsPartial) > 0);
  add('Products skipped (no usable image)', count(s.productsSkipped));
  add(
    'Products not embedded (their batch failed)',
    count(s.productsNotEmbedded),
    Number(s.productsNotEmbedded) > 0,
  );
  if (isObject(s.images)) lines.push(imagesLine(s.images));
  const deferred = isObject(s.images) ? Number(s.images.deferred ?? 0) : 0;
  const hosts = Array.isArray(s.hostPauses) ? (s.hostPauses as unknown as HostPause[]) : [];
  lines.push(...hostPauseLines(deferred, hosts, ''));
  if (s.batchesStored !== undefined || s.batchesFailed !== undefined) {
    const notEmbedded = count(s.batchesNotEmbedded) ?? 0;
    lines.push(
      `Batches: ${s.batchesStored ?? '?'} stored, ${count(s.batchesFailed) ?? 0} failed to store` +
        (notEmbedded > 0 ? `, ${notEmbedded} not embedded` : ''),
    );
  }
  lines.push(...entries(first.batchesFailed ?? s.batchesFailed, count(s.batchesFailed), batchLine));
  lines.push(
    ...entries(first.batchesNotEmbedded ?? s.batchesNotEmbedded, count(s.batchesNotEmbedded), batchLine),
  );
  if (Array.isArray(s.mapResultsProblems) && s.mapResultsProblems.length > 0) {
    lines.push('Map results could not be read in full:');
    lines.push(...entries(s.mapResultsProblems, s.mapResultsProblems.length, String));
  }
  if (s.pruneSkipped !== undefined) lines.push(`Prune: ${s.pruneSkipped}`);
  else add('Products pruned', s.productsPruned, Number(s.productsPruned) > 0);
  add('Warnings (see the full summary)', count(s.warnings), (count(s.warnings) ?? 0) > 0);
  add(
    'Stored batches whose blobs were not deleted',
    count(s.batchesNotDeleted),
    (count(s.batchesNotDeleted) ?? 0) > 0,
  );
  for (const [key, value] of Object.entries(s)) {
    if (!KNOWN.has(key)) lines.push(`${key}: ${truncate(JSON.stringify(value), 200)}`);
  }
  return lines;
}

/** The run's facts read from a compact or full summary (as JSON), for the one attention policy. */
export function summaryFacts(
  summary: Json,
  extra: { catalogErrors?: number; incomplete?: boolean } = {},
): RunFacts {
  const s = isObject(summary) ? summary : {};
  return {
    productsStored: isObject(summary) ? Number(s.productsStored ?? 0) : 0,
    batchesFailed: count(s.batchesFailed) ?? 0,
    batchesNotEmbedded: count(s.batchesNotEmbedded) ?? 0,
    productsNotEmbedded: Number(s.productsNotEmbedded ?? 0),
    mapResultsProblems: count(s.mapResultsProblems) ?? 0,
    catalogErrors: extra.catalogErrors ?? 0,
    incomplete: extra.incomplete ?? false,
  };
}

function entries(list: Json | undefined, total: number | undefined, line: (entry: Json) => string): string[] {
  if (!Array.isArray(list)) return [];
  const out = list.slice(0, SHOWN).map((entry) => `  ${truncate(line(entry), 300)}`);
  const more = (total ?? list.length) - out.length;
  if (more > 0) out.push(`  ... and ${more} more (see the full summary)`);
  return out;
}

function batchLine(batch: Json): string {
  if (!isObject(batch)) return JSON.stringify(batch);
  const n = typeof batch.productCount === 'number' ? batch.productCount : count(batch.productIds);
  const name = [batch.key ?? batch.execution, n !== undefined && `[${n} products]`].filter(Boolean).join(' ');
  const cause = batch.cause !== undefined ? ` (${batch.cause})` : '';
  return `${name || 'batch'}: ${batch.error ?? '?'}${cause}`;
}

function imagesLine(images: JsonObject): string {
  const failed = isObject(images.failed) ? images.failed : {};
  const reasons = Object.entries(failed)
    .filter(([, n]) => Number(n) > 0)
    .map(([reason, n]) => `${reason} ${n}`);
  const failedTotal = Object.values(failed).reduce<number>((sum, n) => sum + Number(n || 0), 0);
  return (
    `Images: ${images.total ?? '?'} in all, ${images.ok ?? '?'} ok` +
    (Number(images.reused ?? 0) > 0 ? ` (${images.reused} vectors reused from the cache)` : '') +
    `, ${failedTotal} failed` +
    (reasons.length > 0 ? ` (${reasons.join(', ')})` : '')
  );
}

/** A count given as a number or as the list itself (the compact summary holds counts, the full one lists). */
function count(value: Json | undefined): number | undefined {
  if (typeof value === 'number') return value;
  return Array.isArray(value) ? value.length : undefined;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
