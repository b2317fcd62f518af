import type { LogCensus } from '#adapters/file-vector-store/census.ts';
import type { DamagedLine } from '#core/ports/vector-store.ts';
import type { Finding } from './findings.ts';
import type { RunExpectations } from './run-records.ts';

const SHOWN_IDS = 20;

/** What the index findings are made from: the log's damaged lines and census, and what the runs recorded. */
export interface IndexEvidence {
  log: string;
  lines: DamagedLine[];
  /** Null when the log could not be read through. */
  census: LogCensus | null;
  runs: RunExpectations;
  /** The model the index folder is named after (the configured one). */
  model: string;
}

/**
 * The index's findings: each damaged line with the products it hid or whose deletion it lost, a lost bind
 * record with how --repair writes it again, then what the runs recorded that the index contradicts: products
 * they stored that the index lacks (no intact del removed them), and products served although the latest prune
 * removed them (their del record is lost).
 */
export function indexFindings(e: IndexEvidence): Finding[] {
  const findings = e.lines.map((l) => lineFinding(e.log, l));
  if (e.census === null) return findings;
  const census = e.census;
  const named = new Set(e.lines.flatMap((l) => (l.kind === 'del' ? [] : l.ids)));
  const missing = [...e.runs.stored.keys()].filter(
    (id) => !census.live.has(id) && !census.deleted.has(id) && !named.has(id),
  );
  const { listed, prunedBy } = e.runs;
  const back = prunedBy && listed ? [...census.live].filter((id) => !listed.has(id)) : [];
  const deleteAgain = new Set<string>();
  const backSet = new Set(back);
  e.lines.forEach((l, i) => {
    const f = findings[i] as Finding;
    // Ids of del records, and of products served although pruned, are not to be stored again.
    const deletes = new Set(census.damagedDeletes.filter((d) => d.line === l.line).map((d) => d.id));
    if (f.productIds) f.productIds = f.productIds.filter((id) => !deletes.has(id) && !backSet.has(id));
    if (l.kind === 'del' || census.unreadableDeletes.includes(l.line)) {
      const notes = deleteNotes(l.line, census, e.runs, back, deleteAgain);
      f.fault += notes.text;
      if (notes.lostDeletions.length > 0) f.lostDeletions = notes.lostDeletions;
    }
  });
  const bind = census.lostBind;
  const bindLine = bind
    ? (e.lines.find((l) => l.kind === 'bind') ?? lineOf(e.lines, bind.lines.at(-1)))
    : null;
  if (bind && bindLine) {
    const f = findings[e.lines.indexOf(bindLine)] as Finding;
    f.fault += `: it held the bind record (model and dimension), without which the index cannot be opened; it is recoverable as model ${e.model} (the index folder's name) and dim ${bind.dim} (the width of its put lines), and --repair writes it again, keeping every record (products are checked once it can be opened)`;
    f.rebind = { model: e.model, dim: bind.dim };
  }
  const hiders = e.lines.filter((l) => l !== bindLine && !['del', 'bind', 'header'].includes(l.kind ?? ''));
  if (missing.length > 0 && hiders.length === 1) {
    const f = findings[e.lines.indexOf(hiders[0] as DamagedLine)] as Finding;
    f.fault += `; it also hid ${listIds(missing)}, which the runs stored and no intact record deleted`;
    f.productIds = [...(f.productIds ?? []), ...missing];
  } else if (missing.length > 0) {
    findings.push({
      area: 'index',
      severity: 'damage',
      subject: e.log,
      fault: `${missing.length} product(s) that the runs stored are missing from the index, and no intact del record removed them (${e.lines.length > 0 ? 'their lines are likely among the damaged ones' : 'the log lost records: was it truncated or replaced?'}): ${listIds(missing)}`,
      productIds: missing,
    });
  }
  const served = back.filter((id) => !deleteAgain.has(id));
  if (served.length > 0) {
    findings.push({
      area: 'index',
      severity: 'damage',
      subject: e.log,
      fault: `${served.length} product(s) are served although run ${prunedBy} pruned them and no later run lists them: the record of their deletion is lost; --repair deletes them again: ${listIds(served)}`,
      lostDeletions: served,
    });
  }
  return findings;
}

/** A damaged line as a finding, naming the products readable in it (a del's are not stored again). */
function lineFinding(log: string, l: DamagedLine): Finding {
  return {
    area: 'index',
    severity: 'damage',
    subject: `${log} line ${l.line} (byte ${l.offset}, ${l.bytes} bytes)`,
    fault: `${l.fault}${l.kind ? ` in a ${l.kind} record` : ''}${l.ids.length ? ` of ${l.ids.join(', ')}` : ''}; skipped`,
    ...(l.kind === 'del' ? {} : { productIds: l.ids }),
  };
}

/**
 * What a damaged del line lost: for each id that reads, whether its product is served again, and whether the
 * runs confirm it should be gone (then --repair deletes it again, adding it to `deleteAgain`); for a del whose
 * id does not read, what the cross-check with the runs (`back`) found instead.
 */
function deleteNotes(
  line: number,
  census: LogCensus,
  runs: RunExpectations,
  back: string[],
  deleteAgain: Set<string>,
): { text: string; lostDeletions: string[] } {
  const notes: string[] = [];
  const lostDeletions: string[] = [];
  for (const d of census.damagedDeletes.filter((x) => x.line === line)) {
    if (d.storedAgain || !census.live.has(d.id)) {
      notes.push(
        `${d.id} is not served again (stored again later, or deleted by another record): nothing is lost`,
      );
    } else if (runs.listed !== null && !runs.listed.has(d.id)) {
      notes.push(`${d.id}'s deletion is lost and it is served again; --repair deletes it again`);
      lostDeletions.push(d.id);
      deleteAgain.add(d.id);
    } else {
      notes.push(
        `${d.id} is served again, but the runs ${runs.listed === null ? 'cannot tell whether it should be' : 'list it'}, so --repair keeps it; ingest the shop's catalog with --prune if it should go`,
      );
    }
  }
  if (census.unreadableDeletes.includes(line)) {
    notes.push(
      `the product id of its del record cannot be read; ${
        back.length > 0
          ? 'the cross-check with the runs names the products served although pruned (below)'
          : runs.prunedBy
            ? `no product that the latest prune (run ${runs.prunedBy}) removed is served`
            : 'no run pruned, so which product is back cannot be told'
      }`,
    );
  }
  return { text: notes.length > 0 ? `: ${notes.join('; ')}` : '', lostDeletions };
}

function lineOf(lines: DamagedLine[], line: number | undefined): DamagedLine | null {
  return lines.find((l) => l.line === line) ?? null;
}

function listIds(ids: string[]): string {
  const more = ids.length > SHOWN_IDS ? ` and ${ids.length - SHOWN_IDS} more` : '';
  return `${ids.slice(0, SHOWN_IDS).join(', ')}${more}`;
}
