import { crc32 } from 'node:zlib';
import type { StoredDoc } from '#core/product-record.ts';

/** Version of the line format; a log with another version is refused rather than misread. */
export const LOG_FORMAT = 'threadfinder-vectors';
export const LOG_VERSION = 1;

/** One line of the log. */
export type LogRecord =
  | { t: 'header'; format: string; version: number }
  | { t: 'bind'; model: string; dim: number }
  | { t: 'put'; id: string; v: string; doc: StoredDoc }
  | { t: 'del'; id: string };

const CRC_HEX = 8;

/** Frames a JSON text as `<crc32 hex> <json>\n`. */
export function frameLine(json: string): string {
  const crc = crc32(json).toString(16).padStart(CRC_HEX, '0');
  return `${crc} ${json}\n`;
}

/** Frames any record as one line. */
export function encodeRecord(record: LogRecord): string {
  return frameLine(JSON.stringify(record));
}

/** The first line of every log. */
export const LOG_HEADER = encodeRecord({ t: 'header', format: LOG_FORMAT, version: LOG_VERSION });

/** Frames a put record from a pre-serialised doc, so the doc is encoded once. */
export function encodePut(id: string, base64: string, docJson: string): string {
  return frameLine(`{"t":"put","id":${JSON.stringify(id)},"v":"${base64}","doc":${docJson}}`);
}

/** The width of a put record's vector (its base64 holds 4 bytes a component), or null when it holds none. */
export function putWidth(base64: string): number | null {
  const bytes = Buffer.from(base64, 'base64').length;
  return bytes > 0 && bytes % 4 === 0 ? bytes / 4 : null;
}

/** A line checked: its record, or why it holds none. */
export type LineCheck = { record: LogRecord } | { fault: string };

/**
 * Unframes one line (without its newline) of any of the store's logs: its checksum, then its JSON, naming the
 * first fault. The record's shape is the caller's to check.
 */
export function unframeLine(line: Buffer): { value: unknown } | { fault: string } {
  if (line.length === 0) return { fault: 'an empty line' };
  const crcText = line.toString('latin1', 0, CRC_HEX);
  if (line.length < CRC_HEX + 2 || line[CRC_HEX] !== 0x20 || !/^[0-9a-f]{8}$/.test(crcText)) {
    return { fault: 'no checksum at its start' };
  }
  const body = line.subarray(CRC_HEX + 1);
  if (crc32(body) !== Number.parseInt(crcText, 16)) return { fault: 'checksum mismatch' };
  try {
    return { value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { fault: 'checksum matches but the JSON does not parse' };
  }
}

/** Checks one line (without its newline): checksum, JSON and record shape, naming the first fault. */
export function checkLine(line: Buffer): LineCheck {
  const unframed = unframeLine(line);
  if ('fault' in unframed) return unframed;
  return isRecord(unframed.value) ? { record: unframed.value } : { fault: 'not a known record' };
}

function isRecord(value: unknown): value is LogRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  switch (r.t) {
    case 'header':
      return typeof r.format === 'string' && typeof r.version === 'number';
    case 'bind':
      return typeof r.model === 'string' && Number.isInteger(r.dim);
    case 'put':
      return (
        typeof r.id === 'string' && typeof r.v === 'string' && typeof r.doc === 'object' && r.doc !== null
      );
    case 'del':
      return typeof r.id === 'string';
    default:
      return false;
  }
}
