import type { DamagedLine } from '#core/ports/vector-store.ts';
import { deletesIn, describeSpan } from './damage.ts';
import { putWidth } from './log-format.ts';
import { readLogStretches } from './log-stretches.ts';
import { scanLog } from './scan.ts';

/** A damaged `del` record whose product id could still be read. */
export interface DamagedDelete {
  /** The damaged line it is in. */
  line: number;
  id: string;
  /** True when an intact put of the id follows it: the product was stored again, so nothing is lost. */
  storedAgain: boolean;
}

/** Which products a log holds and deleted, read from its record lines alone (no vector is decoded). */
export interface LogCensus {
  /** Ids whose last intact record is a put: what a replay serves. */
  live: Set<string>;
  /** Ids whose last intact record is a del. */
  deleted: Set<string>;
  /** Del records in damaged lines whose id reads (the text around it is taken as it is). */
  damagedDeletes: DamagedDelete[];
  /** The damaged lines, as a replay names them. */
  damaged: DamagedLine[];
  /** Damaged lines that hold a del record whose id cannot be read. */
  unreadableDeletes: number[];
  /**
   * When a put comes before any intact bind record (the bind record was in a damaged line): the damaged lines
   * before it and the width of its vector, which every put of the log has.
   */
  lostBind: { lines: number[]; dim: number } | null;
}

/**
 * Walks a vector log as a replay does (see scanLog) and counts, per product id, what its intact records leave;
 * damaged lines are searched for del records. Holds only the ids, so a log of any size is read in stretches.
 */
export async function censusLog(file: string): Promise<LogCensus> {
  const census: LogCensus = {
    live: new Set(),
    deleted: new Set(),
    damaged: [],
    damagedDeletes: [],
    unreadableDeletes: [],
    lostBind: null,
  };
  /** Where each id's last intact put lies, and where each damaged del lies (parallel to damagedDeletes). */
  const lastPut = new Map<string, number>();
  const deleteAt: number[] = [];
  let bound = false;
  await readLogStretches(
    file,
    () => (data, offset, before) =>
      scanLog(data, {
        record(record, span) {
          if (record.t === 'bind') bound = true;
          else if (record.t === 'put') {
            if (!bound && census.lostBind === null && census.damaged.length > 0) {
              const dim = putWidth(record.v);
              if (dim !== null) census.lostBind = { lines: census.damaged.map((d) => d.line), dim };
            }
            census.live.add(record.id);
            census.deleted.delete(record.id);
            lastPut.set(record.id, offset + span.offset);
          } else if (record.t === 'del') {
            census.live.delete(record.id);
            census.deleted.add(record.id);
          }
        },
        damaged(span) {
          const line = before + span.line;
          census.damaged.push({ ...describeSpan(data, span), line, offset: offset + span.offset });
          const found = deletesIn(data.toString('utf8', span.offset, span.offset + span.bytes));
          for (const id of found.ids) {
            census.damagedDeletes.push({ line, id, storedAgain: false });
            deleteAt.push(offset + span.offset);
          }
          if (found.unreadable) census.unreadableDeletes.push(line);
        },
      }),
  );
  census.damagedDeletes.forEach((d, i) => {
    d.storedAgain = (lastPut.get(d.id) ?? -1) > (deleteAt[i] as number);
  });
  return census;
}
