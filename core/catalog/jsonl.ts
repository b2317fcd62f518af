import { CatalogFormatError } from './catalog-error.ts';
import type { ProductCollector } from './collector.ts';
import { topLevelNumberText } from './json-source.ts';
import { nonBlankLines } from './lines.ts';
import { checkId, isReservedKey, quote } from './validate.ts';

/**
 * Reads JSON Lines: one `{"id": ..., "images": [...], ...metadata}` object per line. Every other key is
 * metadata (string or number values; null means absent), except the names the search API sets itself
 * (`score`, `imagesUsed`), which are ignored with a warning. A repeated id is an error on the later line.
 */
export function parseJsonl(text: string, out: ProductCollector): void {
  const lines = nonBlankLines(text);
  for (const [index, { line, text: json }] of lines.entries()) {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (e) {
      if (index === 0) refuseWholeDocument(text, lines.length, out.file, line);
      out.error(line, `invalid JSON: ${(e as Error).message}`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      out.error(line, 'each line must be a JSON object like {"id": "p1", "images": ["https://..."]}');
      continue;
    }
    readObject(value as Record<string, unknown>, json, line, out);
  }
}

// A first line that is not JSON on its own, in a text that is one JSON document, is pretty-printed JSON.
function refuseWholeDocument(text: string, lineCount: number, file: string, line: number): void {
  if (lineCount < 2) return;
  try {
    JSON.parse(text);
  } catch {
    return;
  }
  throw new CatalogFormatError(
    file,
    line,
    `this is one JSON document spread over ${lineCount} lines, not JSON Lines; write one object per line`,
  );
}

function readObject(
  obj: Record<string, unknown>,
  json: string,
  line: number,
  out: ProductCollector,
): boolean {
  if (!Object.hasOwn(obj, 'id')) return out.error(line, 'missing "id"');
  // A numeric id JSON.parse could not keep exactly is quoted in the refusal as the file writes it.
  const inexact = typeof obj.id === 'number' && !Number.isSafeInteger(obj.id);
  const id = checkId(obj.id, 'product id', inexact ? topLevelNumberText(json, 'id') : undefined);
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
    if (key === 'id' || key === 'images') continue;
    if (isReservedKey(key)) {
      out.warn(line, `key ${quote(key)} is a name the search API uses itself; its value is ignored`);
    } else {
      out.setMetadata(draft, key, value, line);
    }
  }
  return true;
}
