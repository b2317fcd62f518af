import { ThreadfinderError } from '#core/errors.ts';
import type { DamagedLine, IndexInfo } from '#core/ports/vector-store.ts';
import { decodeVector } from '#core/vector-codec.ts';
import { describeSpan } from './damage.ts';
import { LOG_FORMAT, LOG_VERSION, type LogRecord, putWidth } from './log-format.ts';
import { READ_BYTES, readLogStretches, type StretchReader } from './log-stretches.ts';
import { type BadSpan, type RecordSpan, SpanList, scanLog } from './scan.ts';
import { VectorTable } from './table.ts';

/** The state rebuilt from a log, what of it was valid and what was damaged. */
export interface Replayed {
  index: IndexInfo | null;
  table: VectorTable | null;
  /** The file's size in bytes; 0 when it does not exist. */
  size: number;
  exists: boolean;
  /** Where every valid record line lies, in file order, without its newline: a clean log is these, one a line. */
  valid: SpanList;
  /** Damaged stretches, in file order. */
  damaged: DamagedLine[];
  /** The raw damaged bytes, parallel to `damaged`, so they can be set aside. */
  damagedBytes: Buffer[];
  /** True when the first valid record is not the header (the header itself was damaged). */
  headerLost: boolean;
  /** True when a valid last record lacks its newline. */
  lastLineOpen: boolean;
  /**
   * The binding mended after its bind record was lost (ReplayOptions.bindModel), and where its line belongs:
   * before valid record `at` (the first put); null when the log's own bind record was read.
   */
  recoveredBind: { model: string; dim: number; at: number } | null;
  /** True when the last damaged stretch is the end of the file without a newline (see BadSpan.torn). */
  tornTail: boolean;
}

/** How a replay may mend what damage took. */
export interface ReplayOptions {
  /**
   * When the bind record was lost in a damaged line, bind the records to this model, at the width of the first
   * intact put line (check --repair passes the model the index folder is named after); without it such a log
   * is refused.
   */
  bindModel?: string;
}

/**
 * Reads `file` and replays every valid record, skipping damaged lines (see scanLog). Throws when the file is
 * not a vector log at all, or when a checksummed record contradicts the ones before it. The file is read in
 * 32 MiB stretches of whole lines, so a log of any size opens (a 1M x 768 log is over 4 GB, past what one
 * Buffer or readFile holds) and only the table stays in memory. `readBytes` sets the stretch (tests).
 */
export async function replayLog(
  file: string,
  readBytes = READ_BYTES,
  options: ReplayOptions = {},
): Promise<Replayed> {
  const state = emptyState(true);
  const read = await readLogStretches(
    file,
    (fileBytes) => stretchReplayer(file, state, fileBytes, options),
    readBytes,
  );
  if (!read.exists) return emptyState(false);
  state.size = read.size;
  if (state.valid.length === 0 && state.size > 0) {
    throw new ThreadfinderError(
      `vector log ${file} holds no valid record: it is not a Threadfinder vector log, or it is damaged throughout`,
    );
  }
  return state;
}

/** Replays the stretches of the log (see StretchReader) into `state`. */
function stretchReplayer(
  file: string,
  state: Replayed,
  fileBytes: number,
  options: ReplayOptions,
): StretchReader {
  const applier = recordApplier(file, state, fileBytes, options);
  return (data, offset, line) =>
    scanLog(data, {
      record(record, span) {
        const at = { line: line + span.line, offset: offset + span.offset, bytes: span.bytes };
        applier(record, at);
        state.valid.push(at.offset, at.bytes);
        state.lastLineOpen = span.offset + span.bytes === data.length;
      },
      damaged(span: BadSpan) {
        state.damaged.push({
          ...describeSpan(data, span),
          line: line + span.line,
          offset: offset + span.offset,
        });
        state.damagedBytes.push(Buffer.from(data.subarray(span.offset, span.offset + span.bytes)));
        state.tornTail = span.torn;
      },
    });
}

/**
 * Applies records to the state in order, checking that each agrees with the ones before it. The table is made
 * once, as large as a log of `fileBytes` can fill, so loading never grows (and copies) its matrix.
 */
function recordApplier(
  file: string,
  state: Replayed,
  fileBytes: number,
  options: ReplayOptions,
): (record: LogRecord, span: RecordSpan) => void {
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
        if (table === null || table.dim !== record.dim) {
          state.table = new VectorTable(record.dim);
          state.table.reserve(Math.floor(fileBytes / minPutBytes(record.dim)));
        }
        return;
      case 'put': {
        const into = table ?? recoverBind(state, record, fileBytes, options.bindModel);
        if (into === null) throw corrupt(unboundPut(state.damaged));
        const where = `vector log ${file} line ${span.line} (id ${record.id})`;
        const vector = decodeLogVector(record.v, into.dim, where);
        const row = { id: record.id, doc: record.doc, docJson: JSON.stringify(record.doc) };
        into.set({ ...row, lineBytes: span.bytes + 1 }, vector);
        return;
      }
      case 'del':
        table?.delete(record.id);
        return;
    }
  };
}

/**
 * Binds a log whose bind record was lost in a damaged line to `model`, at the width of its first intact put
 * (`put`); null when there is nothing to recover it from.
 */
function recoverBind(
  state: Replayed,
  put: { v: string },
  fileBytes: number,
  model: string | undefined,
): VectorTable | null {
  if (model === undefined || state.damaged.length === 0 || state.index !== null) return null;
  const dim = putWidth(put.v);
  if (dim === null) return null;
  state.index = { model, dim };
  state.table = new VectorTable(dim);
  state.table.reserve(Math.floor(fileBytes / minPutBytes(dim)));
  state.recoveredBind = { model, dim, at: state.valid.length };
  return state.table;
}

function emptyState(exists: boolean): Replayed {
  return {
    recoveredBind: null,
    index: null,
    table: null,
    size: 0,
    exists,
    valid: new SpanList(),
    damaged: [],
    damagedBytes: [],
    headerLost: false,
    lastLineOpen: false,
    tornTail: false,
  };
}

function unboundPut(damaged: DamagedLine[]): string {
  if (damaged.length === 0) return 'a record before the store was bound to a model';
  const lines = damaged.map((d) => d.line).join(', ');
  return `a record before the store was bound to a model: the bind record (model and dimension) is in a damaged line (${lines}), and records cannot be read without it; \`threadfinder check --repair\` writes it again (the model from the index folder's name, the dimension from the intact records), keeping every record`;
}

/** The fewest bytes a put line of a `dim`-wide vector takes: its base64, the checksum and the JSON around it. */
function minPutBytes(dim: number): number {
  return 4 * Math.ceil((4 * dim) / 3) + '00000000 {"t":"put","id":"","v":"","doc":{}}\n'.length;
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * decodeVector's answer, quickly, for the canonical base64 the store writes (it decodes and encodes back to the
 * same text: no regex, which costs more than the rest of a line's replay at 768 dims); anything else goes
 * through decodeVector, which accepts it or names the fault.
 */
function decodeLogVector(text: string, dim: number, where: string): Float32Array {
  if (littleEndianHost && typeof text === 'string') {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length === 4 * dim && bytes.toString('base64') === text) {
      const vector = new Float32Array(dim);
      new Uint8Array(vector.buffer).set(bytes);
      let finite = true;
      for (let i = 0; i < dim; i++) finite &&= Number.isFinite(vector[i] as number);
      if (finite) return vector;
    }
  }
  return decodeVector(text, { dim, where });
}
