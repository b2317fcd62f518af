import type { DamagedLine, StoreDamage } from '#core/ports/vector-store.ts';
import type { BadSpan } from './scan.ts';

const KIND = /"t":"(put|del|bind|header)"/;
const IDS = /"id":("(?:[^"\\\n]|\\.)*")/g;

/** Names a damaged stretch of a log: where it is, what is wrong, and its record kind and id if readable. */
export function describeSpan(data: Buffer, span: BadSpan): DamagedLine {
  const text = data.toString('utf8', span.offset, span.offset + span.bytes);
  const kind = KIND.exec(text)?.[1];
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

function readableId(quoted: string | undefined): string | undefined {
  if (quoted === undefined) return undefined;
  try {
    const id: unknown = JSON.parse(quoted);
    return typeof id === 'string' && id.length > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}
