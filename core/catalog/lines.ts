/** One non-blank physical line of a catalog file (1-based line number, CR and surrounding spaces removed). */
export interface NumberedLine {
  line: number;
  text: string;
}

/** Removes a leading UTF-8 byte order mark. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Turns CRLF and lone CR (classic Mac) line breaks into LF, so every format counts lines the same way. */
export function normalizeNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** Splits on LF, CRLF or CR and keeps the non-blank lines with their physical line numbers. */
export function nonBlankLines(text: string): NumberedLine[] {
  const raw = normalizeNewlines(stripBom(text)).split('\n');
  const out: NumberedLine[] = [];
  for (let i = 0; i < raw.length; i++) {
    const t = (raw[i] as string).trim();
    if (t !== '') out.push({ line: i + 1, text: t });
  }
  return out;
}
