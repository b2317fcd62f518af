import { CatalogFormatError } from './catalog-error.ts';

/** Leading bytes of files people send instead of a text catalog, and what to tell them. */
const BINARY_SIGNATURES: readonly [readonly number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'this is a PNG image, not a text catalog'],
  [[0xff, 0xd8, 0xff], 'this is a JPEG image, not a text catalog'],
  [[0x47, 0x49, 0x46, 0x38], 'this is a GIF image, not a text catalog'],
  [[0x25, 0x50, 0x44, 0x46], 'this is a PDF document, not a text catalog'],
  [
    [0x50, 0x4b, 0x03, 0x04],
    'this is a ZIP archive (an Excel .xlsx workbook?), not a text catalog; export it as CSV UTF-8',
  ],
  [
    [0xd0, 0xcf, 0x11, 0xe0],
    'this is an Office document (an Excel .xls workbook?), not a text catalog; export it as CSV UTF-8',
  ],
  [[0x1f, 0x8b], 'this is a gzip archive, not a text catalog; decompress it first'],
];

/**
 * Decodes catalog bytes to text: UTF-8 (with or without a byte order mark), or UTF-16 when a byte order mark
 * says so. Throws CatalogFormatError naming the line for binary files (images, workbooks, archives, NUL bytes),
 * UTF-16 without a byte order mark, and invalid UTF-8.
 */
export function decodeCatalog(bytes: Uint8Array, file: string): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeStrict('utf-16le', bytes.subarray(2), file);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeStrict('utf-16be', bytes.subarray(2), file);
  for (const [magic, message] of BINARY_SIGNATURES) {
    if (magic.every((b, i) => bytes[i] === b)) throw new CatalogFormatError(file, 1, message);
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    if (looksLikeUtf16(bytes)) {
      throw new CatalogFormatError(
        file,
        1,
        'the file looks like UTF-16 without a byte order mark; save it as UTF-8',
      );
    }
    throw new CatalogFormatError(
      file,
      lineOf(bytes, nul),
      'the file contains NUL bytes: it is binary, not a text catalog',
    );
  }
  return decodeUtf8(bytes, file);
}

/** Decodes strict UTF-8; throws CatalogFormatError naming the first line with an invalid byte sequence. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    const strict = new TextDecoder('utf-8', { fatal: true });
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue;
      try {
        strict.decode(bytes.subarray(start, i));
      } catch {
        break;
      }
      line++;
      start = i + 1;
    }
    throw new CatalogFormatError(file, line, 'the file is not valid UTF-8 (save it as UTF-8)', { cause: e });
  }
}

function decodeStrict(encoding: 'utf-16le' | 'utf-16be', bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch (e) {
    throw new CatalogFormatError(file, 1, `the file is not valid ${encoding.toUpperCase()}`, { cause: e });
  }
}

// ASCII text in UTF-16 has a zero in every other byte; check the first KB.
function looksLikeUtf16(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 1024) & ~1;
  if (n < 4) return false;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) even++;
    if (bytes[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  return (odd > pairs * 0.3 && even < pairs * 0.05) || (even > pairs * 0.3 && odd < pairs * 0.05);
}

function lineOf(bytes: Uint8Array, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (bytes[i] === 0x0a) line++;
  return line;
}
