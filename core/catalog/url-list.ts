import { hash } from 'node:crypto';
import type { ProductCollector } from './collector.ts';
import { nonBlankLines } from './lines.ts';
import { rowDelimiter, separatorName } from './row-shape.ts';
import { quote } from './validate.ts';

/** Header cells accepted on the first line of a single-column URL list (compared lower-case). */
export const URL_LIST_HEADERS: ReadonlySet<string> = new Set([
  'url',
  'urls',
  'image',
  'images',
  'image_url',
  'image_urls',
  'imageurl',
  'image url',
  'image_link',
  'img',
  'img_url',
]);

/**
 * Reads a plain list of image URLs (or a one-column CSV of them): every `groupSize` consecutive non-blank
 * lines form one product. Blank lines are skipped; an invalid URL, or a line holding more than a URL (a CSV
 * row), still takes its slot, so one bad line never shifts the grouping of the rest. The product id is `p-` + the first 12 hex digits of the SHA-256 of
 * the group's first line, so it survives products being added or removed elsewhere in the file.
 */
export function parseUrlList(text: string, groupSize: number, out: ProductCollector): void {
  const lines = nonBlankLines(text).map((l) => ({ ...l, text: unquote(l.text), row: rowDelimiter(l.text) }));
  const ids = new UniqueIds(out);
  const first = lines[0];
  if (first && URL_LIST_HEADERS.has(first.text.toLowerCase())) lines.shift();
  for (let start = 0; start < lines.length; start += groupSize) {
    const group = lines.slice(start, start + groupSize);
    const head = group[0] as { line: number; text: string };
    const id = ids.next(`p-${sha256(head.text).slice(0, 12)}`, head.line);
    const draft = out.open(id, head.line);
    for (const entry of group) {
      if (entry.row === undefined) out.addImage(draft, entry.text, entry.line);
      else out.error(entry.line, notOneUrl(entry.row));
    }
    if (group.length < groupSize) {
      out.warn(
        head.line,
        `last product ${quote(id)} has ${group.length} image(s), not ${groupSize}: the file has ` +
          `${lines.length} image lines, which is not a multiple of ${groupSize}`,
      );
    }
  }
}

// Suffixes -2, -3, ... for groups starting with the same line; remembers the last suffix per base so that
// thousands of copies of one URL stay linear.
class UniqueIds {
  readonly #lastSuffix = new Map<string, number>();
  constructor(private readonly out: ProductCollector) {}

  next(base: string, line: number): string {
    if (!this.out.get(base)) return base;
    let n = this.#lastSuffix.get(base) ?? 1;
    do n++;
    while (this.out.get(`${base}-${n}`));
    this.#lastSuffix.set(base, n);
    const id = `${base}-${n}`;
    const other = this.out.get(base)?.line;
    this.out.warn(
      line,
      `this product starts with the same image as the product on line ${other}; its id is ${id}`,
    );
    return id;
  }
}

function notOneUrl(separator: string): string {
  return (
    `this line holds several fields separated by ${separatorName(separator)}, and a URL list has one image URL ` +
    'per line and nothing else (for a CSV, add a header line naming product_id and image_url); image skipped'
  );
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replaceAll('""', '"') : s;
}

function sha256(s: string): string {
  return hash('sha256', s, 'hex');
}
