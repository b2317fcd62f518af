import type { ProductCollector } from './collector.ts';
import { nonBlankLines } from './lines.ts';
import { checkId, quote } from './validate.ts';

/**
 * Reads JSON Lines: one `{"id": ..., "images": [...], ...metadata}` object per line. Every other key is
 * metadata (string or number values; null means absent). A repeated id is an error on the later line.
 */
export function parseJsonl(text: string, out: ProductCollector): void {
  for (const { line, text: json } of nonBlankLines(text)) {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (e) {
      out.error(line, `invalid JSON: ${(e as Error).message}`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      out.error(line, 'each line must be a JSON object like {"id": "p1", "images": ["https://..."]}');
      continue;
    }
    readObject(value as Record<string, unknown>, line, out);
  }
}

function readObject(obj: Record<string, unknown>, line: number, out: ProductCollector): boolean {
  if (!Object.hasOwn(obj, 'id')) return out.error(line, 'missing "id"');
  const id = checkId(obj.id);
  if (!id.ok) return out.error(line, id.message);
  const earlier = out.get(id.value);
  if (earlier) {
    return out.error(
      line,
      `duplicate product id ${quote(id.value)} (first on line ${earlier.line}); line skipped`,
    );
  }
  const images = obj.images;
  if (!Array.isArray(images) || images.length === 0) {
    return out.error(line, `product ${quote(id.value)}: "images" must be a non-empty array of URL strings`);
  }
  const draft = out.open(id.value, line);
  images.forEach((img, i) => {
    if (typeof img === 'string') out.addImage(draft, img, line);
    else out.error(line, `product ${quote(id.value)}: images[${i}] must be a string`);
  });
  for (const [key, value] of Object.entries(obj)) {
    if (key !== 'id' && key !== 'images') out.setMetadata(draft, key, value, line);
  }
  return true;
}
