import { readFile } from 'node:fs/promises';
import { ThreadfinderError } from '#core/errors.ts';
import type { DamagedLine, IndexInfo } from '#core/ports/vector-store.ts';
import { decodeVector } from '#core/vector-codec.ts';
import { describeSpan } from './damage.ts';
import { LOG_FORMAT, LOG_VERSION, type LogRecord } from './log-format.ts';
import { type BadSpan, type RecordSpan, scanLog } from './scan.ts';
import { VectorTable } from './table.ts';

/** The state rebuilt from a log, what of it was valid and what was damaged. */
export interface Replayed {
  index: IndexInfo | null;
  table: VectorTable | null;
  /** The whole file; empty when it does not exist. */
  data: Buffer;
  exists: boolean;
  /** Every valid record line, in file order, without its newline: a clean log is these, one a line. */
  valid: Buffer[];
  /** Damaged stretches, in file order. */
  damaged: DamagedLine[];
  /** The raw damaged bytes, parallel to `damaged`, so they can be set aside. */
  damagedBytes: Buffer[];
  /** True when the first valid record is not the header (the header itself was damaged). */
  headerLost: boolean;
  /** True when a valid last record lacks its newline. */
  lastLineOpen: boolean;
  /** True when the last damaged stretch is the end of the file without a newline (see BadSpan.torn). */
  tornTail: boolean;
}

/**
 * Reads `file` and replays every valid record, skipping damaged lines (see scanLog). Throws when the file is
 * not a vector log at all, or when a checksummed record contradicts the ones before it.
 */
export async function replayLog(file: string): Promise<Replayed> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return emptyState(Buffer.alloc(0), false);
  }
  const state = emptyState(data, true);
  const applier = recordApplier(file, state);
  scanLog(data, {
    record(record, span) {
      applier(record, span);
      state.valid.push(data.subarray(span.offset, span.offset + span.bytes));
      state.lastLineOpen = span.offset + span.bytes === data.length;
    },
    damaged(span: BadSpan) {
      state.damaged.push(describeSpan(data, span));
      state.damagedBytes.push(data.subarray(span.offset, span.offset + span.bytes));
      state.tornTail = span.torn;
    },
  });
  if (state.valid.length === 0 && data.length > 0) {
    throw new ThreadfinderError(
      `vector log ${file} holds no valid record: it is not a Threadfinder vector log, or it is damaged throughout`,
    );
  }
  return state;
}

/** Applies records to the state in order, checking that each agrees with the ones before it. */
function recordApplier(file: string, state: Replayed): (record: LogRecord, span: RecordSpan) => void {
  let seen = 0;
  return (record, span) => {
    seen++;
    const corrupt = (why: string) => new ThreadfinderError(`vector log ${file} line ${span.line}: ${why}`);
    if (seen === 1) {
      if (record.t === 'header') {
        if (record.format !== LOG_FORMAT) throw corrupt('not a Threadfinder vector log');
        if (record.version !== LOG_VERSION) {
          throw corrupt(`format version ${record.version}; this build reads version ${LOG_VERSION}`);
        }
        return;
      }
      if (state.damaged.length === 0) throw corrupt('not a Threadfinder vector log (no header)');
      state.headerLost = true;
    }
    const { table, index } = state;
    switch (record.t) {
      case 'header':
        throw corrupt('a second header');
      case 'bind':
        if (table !== null && table.size > 0 && (record.model !== index?.model || record.dim !== index.dim)) {
          throw corrupt(`rebinds a non-empty store from ${index?.model} to ${record.model}`);
        }
        state.index = { model: record.model, dim: record.dim };
        if (table === null || table.dim !== record.dim) state.table = new VectorTable(record.dim);
        return;
      case 'put': {
        if (table === null) throw corrupt(unboundPut(state.damaged));
        const where = `vector log ${file} line ${span.line} (id ${record.id})`;
        const vector = decodeVector(record.v, { dim: table.dim, where });
        const row = { id: record.id, doc: record.doc, docJson: JSON.stringify(record.doc) };
        table.set({ ...row, lineBytes: span.bytes + 1 }, vector);
        return;
      }
      case 'del':
        table?.delete(record.id);
        return;
    }
  };
}

function emptyState(data: Buffer, exists: boolean): Replayed {
  const lists = { valid: [], damaged: [], damagedBytes: [] };
  return {
    index: null,
    table: null,
    data,
    exists,
    ...lists,
    headerLost: false,
    lastLineOpen: false,
    tornTail: false,
  };
}

function unboundPut(damaged: DamagedLine[]): string {
  if (damaged.length === 0) return 'a record before the store was bound to a model';
  const lines = damaged.map((d) => d.line).join(', ');
  return `a record before the store was bound to a model: the bind record (model and dimension) is in a damaged line (${lines}), and records cannot be read without it; move the index folder aside and ingest again`;
}
