import { crc32 } from 'node:zlib';

/** Version of the line format; a log with another version is refused rather than misread. */
export const LOG_FORMAT = 'threadfinder-vectors';
export const LOG_VERSION = 1;

/** The stored fields of a product other than its id and vector, as one canonical JSON text. */
export interface StoredDoc {
  images: string[];
  maskedKeys?: (string | null)[];
  metadata: Record<string, string | number>;
  imagesUsed: number;
}

/** One line of the log. */
export type LogRecord =
  | { t: 'header'; format: string; version: number }
  | { t: 'bind'; model: string; dim: number }
  | { t: 'put'; id: string; v: string; doc: StoredDoc }
  | { t: 'del'; id: string };

const NEWLINE = 0x0a;
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

/** Frames a put record from a pre-serialised doc, so the doc is encoded once. */
export function encodePut(id: string, base64: string, docJson: string): string {
  return frameLine(`{"t":"put","id":${JSON.stringify(id)},"v":"${base64}","doc":${docJson}}`);
}

/** Parses one line (without its newline); null when the checksum or JSON is bad. */
export function parseLine(line: Buffer): LogRecord | null {
  if (line.length < CRC_HEX + 2 || line[CRC_HEX] !== 0x20) return null;
  const crcText = line.toString('latin1', 0, CRC_HEX);
  if (!/^[0-9a-f]{8}$/.test(crcText)) return null;
  const body = line.subarray(CRC_HEX + 1);
  if (crc32(body) !== Number.parseInt(crcText, 16)) return null;
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
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

/** Result of scanning a log: how many leading bytes hold whole, valid records. */
export interface ScanResult {
  validBytes: number;
  /** True when a valid record follows the first bad one: real corruption rather than a torn tail. */
  validAfterBad: boolean;
}

/** Calls `onRecord` for each valid line in order and stops at the first torn or corrupt one. */
export function scanLog(data: Buffer, onRecord: (record: LogRecord, lineBytes: number) => void): ScanResult {
  let offset = 0;
  while (offset < data.length) {
    const end = data.indexOf(NEWLINE, offset);
    if (end === -1) return { validBytes: offset, validAfterBad: false };
    const record = parseLine(data.subarray(offset, end));
    if (record === null) return { validBytes: offset, validAfterBad: anyValidAfter(data, end + 1) };
    onRecord(record, end + 1 - offset);
    offset = end + 1;
  }
  return { validBytes: offset, validAfterBad: false };
}

function anyValidAfter(data: Buffer, from: number): boolean {
  let offset = from;
  while (offset < data.length) {
    const end = data.indexOf(NEWLINE, offset);
    if (end === -1) return false;
    if (parseLine(data.subarray(offset, end)) !== null) return true;
    offset = end + 1;
  }
  return false;
}
