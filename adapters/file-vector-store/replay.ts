import { readFile } from 'node:fs/promises';
import { ThreadfinderError } from '../../core/errors.ts';
import type { IndexInfo } from '../../core/ports/vector-store.ts';
import { decodeVector } from '../../core/vector-codec.ts';
import { LOG_FORMAT, LOG_VERSION, type LogRecord, scanLog } from './log-format.ts';
import { VectorTable } from './table.ts';

/** The state rebuilt from a log, and how much of the file held valid records. */
export interface Replayed {
  index: IndexInfo | null;
  table: VectorTable | null;
  /** Bytes of the file, or -1 when it does not exist. */
  fileBytes: number;
  validBytes: number;
  validAfterBad: boolean;
  /** The torn or corrupt bytes past `validBytes`, kept so they can be set aside before truncation. */
  tail: Buffer;
}

/** Reads `file` and replays its valid prefix; throws when a checksummed record contradicts the ones before. */
export async function replayLog(file: string): Promise<Replayed> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return {
      index: null,
      table: null,
      fileBytes: -1,
      validBytes: 0,
      validAfterBad: false,
      tail: Buffer.alloc(0),
    };
  }
  let index: IndexInfo | null = null;
  let table: VectorTable | null = null;
  let line = 0;
  const corrupt = (why: string) => new ThreadfinderError(`vector log ${file} line ${line}: ${why}`);

  const apply = (record: LogRecord, lineBytes: number): void => {
    line++;
    if (line === 1) {
      if (record.t !== 'header' || record.format !== LOG_FORMAT)
        throw corrupt('not a Threadfinder vector log');
      if (record.version !== LOG_VERSION) {
        throw corrupt(`format version ${record.version}; this build reads version ${LOG_VERSION}`);
      }
      return;
    }
    switch (record.t) {
      case 'header':
        throw corrupt('a second header');
      case 'bind':
        if (table !== null && table.size > 0 && (record.model !== index?.model || record.dim !== index.dim)) {
          throw corrupt(`rebinds a non-empty store from ${index?.model} to ${record.model}`);
        }
        index = { model: record.model, dim: record.dim };
        if (table === null || table.dim !== record.dim) table = new VectorTable(record.dim);
        return;
      case 'put': {
        if (table === null) throw corrupt('a record before the store was bound to a model');
        const where = `vector log ${file} line ${line} (id ${record.id})`;
        const vector = decodeVector(record.v, { dim: table.dim, where });
        table.set({ id: record.id, doc: record.doc, docJson: JSON.stringify(record.doc), lineBytes }, vector);
        return;
      }
      case 'del':
        table?.delete(record.id);
        return;
    }
  };

  const { validBytes, validAfterBad } = scanLog(data, apply);
  if (validBytes === 0 && data.length > 0) {
    throw new ThreadfinderError(
      `vector log ${file} has no valid header: it is not a Threadfinder vector log, or it is damaged from its start`,
    );
  }
  return { index, table, fileBytes: data.length, validBytes, validAfterBad, tail: data.subarray(validBytes) };
}
