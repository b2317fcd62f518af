import type { FileHandle } from 'node:fs/promises';
import { unframeLine } from './log-format.ts';

/** A record of the image-vector log (image-vector-log.ts): a product's per-image vectors, or their deletion. */
export type ImageRecord =
  | { t: 'img'; id: string; s: unknown; n: number[]; v: string[] }
  | { t: 'imgdel'; id: string };

/** A line of the image-vector log that holds no valid record: skipped when the log is read. */
export interface DamagedImageLine {
  /** 1-based line of the log. */
  line: number;
  offset: number;
  /** Its bytes, with its newline when it has one. */
  bytes: number;
  /** What is wrong with it, e.g. `checksum mismatch`. */
  fault: string;
  /** The record kind still readable in it. */
  kind?: 'img' | 'imgdel';
  /** Product ids still readable in it (a flipped byte in an id reads as another id). */
  ids: string[];
  /** Those of `ids` that a later valid line wrote again or deleted: nothing of theirs is lost. */
  rewritten: string[];
  /** The end of the file without a newline: an interrupted write (or a writer's append in progress). */
  torn: boolean;
}

/** The fault of a torn last line, as the product log names it. */
const TORN_FAULT = 'the log ends inside this line (no newline)';

/** Checks one line (without its newline): checksum, JSON and record shape, naming the first fault. */
export function checkImageLine(line: Buffer): { record: ImageRecord } | { fault: string } {
  const unframed = unframeLine(line);
  if ('fault' in unframed) return unframed;
  return isImageRecord(unframed.value) ? { record: unframed.value } : { fault: 'not a known record' };
}

function isImageRecord(value: unknown): value is ImageRecord {
  const r = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof r.id !== 'string') return false;
  return r.t === 'imgdel' || (r.t === 'img' && Array.isArray(r.n) && Array.isArray(r.v));
}

const KIND = /"t":"(img|imgdel)"/;
const IDS = /"id":("(?:[^"\\\n]|\\.)*")/g;
/** Where the kind no longer reads: an img's id is followed by its settings, an imgdel's closes the record. */
const IMG_SHAPE = /"id":"(?:[^"\\\n]|\\.)*","s":/;
const IMGDEL_SHAPE = /"id":"(?:[^"\\\n]|\\.)*"\}$/;

/**
 * The damaged lines of one read of the log, in file order; a valid line read later marks the earlier damaged
 * lines of its id as rewritten.
 */
class ImageLogDamage {
  readonly lines: DamagedImageLine[] = [];
  private readonly open = new Map<string, DamagedImageLine[]>();

  /** Records a damaged line (`text`: its bytes without the newline). */
  add(text: Buffer, at: { line: number; offset: number; fault: string; torn: boolean }): void {
    const body = text.toString('utf8');
    const kind = (KIND.exec(body)?.[1] ?? shapeOf(body)) as DamagedImageLine['kind'];
    const ids = [...new Set([...body.matchAll(IDS)].flatMap((m) => readableId(m[1]) ?? []))];
    const line: DamagedImageLine = {
      ...at,
      bytes: text.length + (at.torn ? 0 : 1),
      ...(kind ? { kind } : {}),
      ids,
      rewritten: [],
    };
    this.lines.push(line);
    for (const id of ids) this.open.set(id, [...(this.open.get(id) ?? []), line]);
  }

  /** A valid line of `id` was read: what earlier damaged lines held of it is superseded. */
  written(id: string): void {
    if (this.open.size === 0) return;
    for (const line of this.open.get(id) ?? []) line.rewritten.push(id);
    this.open.delete(id);
  }
}

function shapeOf(body: string): string | undefined {
  if (IMG_SHAPE.test(body)) return 'img';
  return IMGDEL_SHAPE.test(body) ? 'imgdel' : undefined;
}

function readableId(quoted: string | undefined): string | undefined {
  try {
    const id: unknown = JSON.parse(quoted ?? '');
    return typeof id === 'string' && id.length > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Where a product's latest line lies in the log. */
export interface Entry {
  offset: number;
  length: number;
  /** The line's checksum: a put whose line has the same checksum and length is not written again. */
  crc: string;
}

/** Bytes a read of the log takes. */
export const SCAN_CHUNK = 8 << 20;

/**
 * Scans the log through `handle` in 8 MiB reads: where each live id's latest line is, where the valid lines
 * end, and which lines are damaged (a torn last line among them).
 */
export async function scanImageLog(
  handle: FileHandle,
): Promise<{ entries: Map<string, Entry>; end: number; damaged: DamagedImageLine[] }> {
  const entries = new Map<string, Entry>();
  const damage = new ImageLogDamage();
  let end = 0; // file offset just after the last complete line
  let line = 0;
  let pending = Buffer.alloc(0); // bytes from `end` not yet ending in a newline
  for (;;) {
    const chunk = Buffer.alloc(SCAN_CHUNK);
    const { bytesRead } = await handle.read(chunk, 0, SCAN_CHUNK, end + pending.length);
    if (bytesRead === 0) break; // what is left in `pending` is a torn last line: appends overwrite it
    const bytes = Buffer.concat([pending, chunk.subarray(0, bytesRead)]);
    let start = 0;
    for (let newline = bytes.indexOf(0x0a); newline >= 0; newline = bytes.indexOf(0x0a, start)) {
      line++;
      const text = bytes.subarray(start, newline);
      const checked = checkImageLine(text);
      if (!('record' in checked)) {
        damage.add(text, { line, offset: end + start, fault: checked.fault, torn: false });
      } else if (checked.record.t === 'img') {
        damage.written(checked.record.id);
        entries.set(checked.record.id, {
          offset: end + start,
          length: text.length,
          crc: text.toString('latin1', 0, 8),
        });
      } else {
        damage.written(checked.record.id);
        entries.delete(checked.record.id);
      }
      start = newline + 1;
    }
    end += start;
    pending = bytes.subarray(start);
  }
  if (pending.length > 0) damage.add(pending, { line: line + 1, offset: end, fault: TORN_FAULT, torn: true });
  return { entries, end, damaged: damage.lines };
}
