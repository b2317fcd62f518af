/** Path endings of an image file: a URL ending in one is complete, so a separator after it starts another field. */
const IMAGE_FILE = /\.(?:jpe?g|png|webp|gif|avif|bmp|tiff?|heic)$/i;
const HTTP = /^https?:\/\//i;
/** `key=value` after a separator belongs to the URL (`a.jpg;v=2`). */
const PARAMETER = /^[\w.-]+=/;
/** One quoted field: `"https://a.example/a,b.jpg"`. */
const ONE_QUOTED_FIELD = /^"(?:[^"]|"")*"$/;

/**
 * The separator (`,`, `;` or a tab) with which a line of a URL list reads as a CSV row of several fields
 * (`https://a.example/1.jpg,Red shirt,19.99`, `p1,https://...`), or undefined when it can be one URL. A URL may
 * hold commas and semicolons (`/w_400,h_600/1.jpg`, `/1.jpg?rect=0,0,9,9`, `_CR,0,0,38,50_.jpg`), so a line is a
 * row only when what follows the first separator cannot be more of the same URL.
 */
export function rowDelimiter(line: string): string | undefined {
  const s = line.trim();
  if (ONE_QUOTED_FIELD.test(s)) return undefined;
  const tabbed = s.split('\t');
  if (tabbed.length > 1 && tabbed.some((cell) => HTTP.test(unquote(cell)))) return '\t';
  for (const d of [',', ';']) {
    const at = s.indexOf(d);
    if (at === -1) continue;
    // Only URLs: checkUrl refuses the line as several URLs glued together, which says more.
    if (s.split(d).every((cell) => HTTP.test(unquote(cell)))) continue;
    const first = unquote(s.slice(0, at));
    const rest = s.slice(at + 1).trim();
    if (!HTTP.test(first)) {
      if (rest.split(d).some((cell) => HTTP.test(unquote(cell)))) return d;
      continue;
    }
    if (/[?#]/.test(first) || PARAMETER.test(rest)) continue;
    if (IMAGE_FILE.test(first) || /\s/.test(rest)) return d;
    if (!/[/?=]/.test(rest) && !IMAGE_FILE.test(rest)) return d;
  }
  return undefined;
}

/** How an error message names a separator. */
export function separatorName(d: string): string {
  return d === '\t' ? 'tabs' : `"${d}"`;
}

function unquote(cell: string): string {
  return cell.trim().replace(/^"(.*)"$/, '$1');
}
