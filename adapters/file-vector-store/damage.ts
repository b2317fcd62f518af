import type { DamagedLine, StoreDamage } from '#core/ports/vector-store.ts';
import type { BadSpan } from './scan.ts';

const KIND = /"t":"(put|del|bind|header)"/;
const IDS = /"id":("(?:[^"\\\n]|\\.)*")/g;
/**
 * Where a record's kind no longer reads, its shape tells: a put's id is followed by its vector; a del's id
 * closes the record, at the end of its line (or where the next record starts, its newline lost).
 */
const DEL_IDS = /","id":("(?:[^"\\\n]|\\.)*")\}(?=\n|$|[0-9a-f]{8} \{)/g;
const SHAPES: [string, RegExp][] = [
  ['put', /","id":"(?:[^"\\\n]|\\.)*","v":"/],
  ['del', new RegExp(DEL_IDS.source)],
];
const DEL_KINDS = /"t":"del"/g;

/**
 * Names a damaged stretch of a log: where it is, what is wrong, and its record kind (read, or told by the
 * record's shape) and ids if readable.
 */
export function describeSpan(data: Buffer, span: BadSpan): DamagedLine {
  const text = data.toString('utf8', span.offset, span.offset + span.bytes);
  const kind = KIND.exec(text)?.[1] ?? kindByShape(text);
  const ids = [...text.matchAll(IDS)].flatMap((m) => readableId(m[1]) ?? []);
  return {
    line: span.line,
    offset: span.offset,
    bytes: span.bytes,
    fault: span.fault,
    ...(kind ? { kind } : {}),
    ids: [...new Set(ids)],
  };
}

/** Sums up the damaged lines of one log. */
export function damageOf(file: string, lines: DamagedLine[], setAsideTo?: string): StoreDamage {
  const ids = new Set(lines.flatMap((l) => (l.kind === 'del' ? [] : l.ids)));
  return {
    file,
    lines,
    bytes: lines.reduce((sum, l) => sum + l.bytes, 0),
    productIds: [...ids],
    ...(setAsideTo ? { setAsideTo } : {}),
  };
}

/**
 * The del records in a damaged stretch's text, read leniently (by their shape: the id closes the record): the
 * ids that still read, and whether there are more del records than ids that read.
 */
export function deletesIn(text: string): { ids: string[]; unreadable: boolean } {
  const ids = [...text.matchAll(DEL_IDS)].flatMap((m) => readableId(m[1]) ?? []);
  return { ids, unreadable: [...text.matchAll(DEL_KINDS)].length > ids.length };
}

function kindByShape(text: string): string | undefined {
  let first: { kind: string; at: number } | undefined;
  for (const [kind, shape] of SHAPES) {
    const at = shape.exec(text)?.index;
    if (at !== undefined && (first === undefined || at < first.at)) first = { kind, at };
  }
  return first?.kind;
}

function readableId(quoted: string | undefined): string | undefined {
  if (quoted === undefined) return undefined;
  try {
    const id: unknown = JSON.parse(quoted);
    return typeof id === 'string' && id.length > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}
