import { checkLine, type LogRecord } from './log-format.ts';

const NEWLINE = 0x0a;
/** What every record line holds right after its 8-hex checksum: where a record can start mid-line. */
const RECORD_OPENING = Buffer.from(' {"t":"', 'latin1');
const CRC_HEX = 8;

/** Where a valid record lies in the log: `bytes` excludes its newline (a torn tail may lack one). */
export interface RecordSpan {
  line: number;
  offset: number;
  bytes: number;
}

/** A stretch of the log that holds no valid record (with its newline, when it has one). */
export interface BadSpan {
  line: number;
  offset: number;
  bytes: number;
  fault: string;
  /** True when it is the end of the file without a newline: an interrupted write or a truncated file. */
  torn: boolean;
}

/** Receives a log's valid records and damaged stretches, in file order. */
export interface LogVisitor {
  record(record: LogRecord, span: RecordSpan): void;
  damaged(span: BadSpan): void;
}

/**
 * Walks every line of a log (or of a stretch of whole lines of it: offsets and line numbers are then relative
 * to `data`) and returns how many lines it walked. A line that fails its checksum is reported and skipped, and
 * the walk goes on at the next line; where a newline was lost, a valid record starting inside the damaged line
 * is still found (resynchronising at its checksum and `{"t":"` opening), so one bad byte costs one record at
 * most.
 */
export function scanLog(data: Buffer, visit: LogVisitor): number {
  let offset = 0;
  let line = 0;
  while (offset < data.length) {
    line++;
    const newline = data.indexOf(NEWLINE, offset);
    const end = newline === -1 ? data.length : newline;
    scanLine(data, { line, offset, end, torn: newline === -1 }, visit);
    offset = end + 1;
  }
  return line;
}

interface Line {
  line: number;
  offset: number;
  end: number;
  torn: boolean;
}

function scanLine(data: Buffer, at: Line, visit: LogVisitor): void {
  const whole = checkLine(data.subarray(at.offset, at.end));
  if ('record' in whole) {
    visit.record(whole.record, { line: at.line, offset: at.offset, bytes: at.end - at.offset });
    return;
  }
  const starts = [at.offset, ...recordStarts(data, at.offset + 1, at.end)];
  let bad: BadSpan | null = null;
  for (let i = 0; i < starts.length; i++) {
    const from = starts[i] as number;
    const to = starts[i + 1] ?? at.end;
    const piece = starts.length === 1 ? whole : checkLine(data.subarray(from, to));
    if ('record' in piece) {
      if (bad) visit.damaged(bad);
      bad = null;
      visit.record(piece.record, { line: at.line, offset: from, bytes: to - from });
    } else if (bad) {
      bad.bytes = to - bad.offset;
    } else {
      bad = { line: at.line, offset: from, bytes: to - from, fault: piece.fault, torn: false };
    }
  }
  if (bad === null) return;
  if (at.torn) visit.damaged({ ...bad, fault: 'the log ends inside this line (no newline)', torn: true });
  else visit.damaged({ ...bad, bytes: bad.bytes + 1 });
}

/** Offsets in [from, end) where a record line could begin: 8 hex digits, a space and `{"t":"`. */
function recordStarts(data: Buffer, from: number, end: number): number[] {
  const found: number[] = [];
  let at = data.indexOf(RECORD_OPENING, from + CRC_HEX);
  while (at !== -1 && at + RECORD_OPENING.length <= end) {
    const start = at - CRC_HEX;
    if (/^[0-9a-f]{8}$/.test(data.toString('latin1', start, at))) found.push(start);
    at = data.indexOf(RECORD_OPENING, at + 1);
  }
  return found;
}

/** Where records lie in a log: offset and length pairs in one growable typed array (16 bytes a record). */
export class SpanList {
  private pairs = new Float64Array(128);
  length = 0;

  push(offset: number, bytes: number): void {
    if (2 * this.length === this.pairs.length) {
      const grown = new Float64Array(this.pairs.length * 2);
      grown.set(this.pairs);
      this.pairs = grown;
    }
    this.pairs[2 * this.length] = offset;
    this.pairs[2 * this.length + 1] = bytes;
    this.length++;
  }

  offsetAt(i: number): number {
    return this.pairs[2 * i] as number;
  }

  bytesAt(i: number): number {
    return this.pairs[2 * i + 1] as number;
  }
}
