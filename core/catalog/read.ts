import { readFile, stat } from 'node:fs/promises';
import { InputError } from '../errors.ts';
import { CatalogFormatError } from './catalog-error.ts';
import { CATALOG_LIMITS } from './limits.ts';
import { type ParseCatalogOptions, type ParsedCatalog, parseCatalog } from './parse.ts';

/** Options of readCatalogFile: those of parseCatalog (file defaults to the path) and a size cap. */
export type ReadCatalogOptions = Partial<ParseCatalogOptions> & { maxBytes?: number };

/** Reads a UTF-8 catalog file (at most 200 MB unless `maxBytes` says otherwise) and parses it. */
export async function readCatalogFile(
  path: string,
  options: ReadCatalogOptions = {},
): Promise<ParsedCatalog> {
  const { maxBytes = CATALOG_LIMITS.maxFileBytes, ...parseOptions } = options;
  const file = parseOptions.file ?? path;
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InputError(`catalog ${path} is not a file`, 'invalid_catalog');
    size = info.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError(`catalog file not found: ${path}`, 'invalid_catalog', { cause: e });
    }
    throw e;
  }
  if (size > maxBytes) {
    throw new InputError(
      `catalog ${path} is ${formatSize(size)}; the limit is ${formatSize(maxBytes)} (split it into several files)`,
      'invalid_catalog',
    );
  }
  const bytes = await readFile(path);
  return parseCatalog(decodeUtf8(bytes, file), { ...parseOptions, file });
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

function formatSize(bytes: number): string {
  return bytes < 1024 * 1024 ? `${bytes} bytes` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
