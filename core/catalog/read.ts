import { readFile, stat } from 'node:fs/promises';
import { InputError } from '#core/errors.ts';
import { EmptyCatalogError } from './catalog-error.ts';
import { decodeCatalog } from './decode.ts';
import { firstNonBlankLine } from './detect.ts';
import { CATALOG_LIMITS } from './limits.ts';
import { type ParseCatalogOptions, type ParsedCatalog, parseCatalog } from './parse.ts';

export { decodeUtf8 } from './decode.ts';

/** Options of readCatalogFile: those of parseCatalog (file defaults to the path) and a size cap. */
export type ReadCatalogOptions = Partial<ParseCatalogOptions> & { maxBytes?: number };

/**
 * Reads a catalog file (UTF-8, or UTF-16 with a byte order mark; at most 200 MB unless `maxBytes` says
 * otherwise) and parses it. Throws EmptyCatalogError when not a single product is usable.
 */
export async function readCatalogFile(
  path: string,
  options: ReadCatalogOptions = {},
): Promise<ParsedCatalog> {
  const { maxBytes, ...parseOptions } = options;
  const file = parseOptions.file ?? path;
  const bytes = await readCatalogBytes(path, maxBytes);
  const text = decodeCatalog(bytes, file);
  const parsed = parseCatalog(text, { ...parseOptions, file });
  if (parsed.products.length === 0) {
    throw new EmptyCatalogError(file, parsed.errors, firstNonBlankLine(text, file).line);
  }
  return parsed;
}

/**
 * The bytes of a catalog file, after checking it is a file of at most `maxBytes` (default 200 MB): InputError
 * naming the path otherwise, before anything is read.
 */
export async function readCatalogBytes(
  path: string,
  maxBytes: number = CATALOG_LIMITS.maxFileBytes,
): Promise<Uint8Array> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InputError(`catalog ${path} is not a file`, 'invalid_catalog');
    size = info.size;
  } catch (e) {
    throw unreadable(path, e);
  }
  if (size > maxBytes) {
    throw new InputError(
      `catalog ${path} is ${formatSize(size)}; the limit is ${formatSize(maxBytes)} (split it into several files)`,
      'invalid_catalog',
    );
  }
  try {
    return await readFile(path);
  } catch (e) {
    throw unreadable(path, e);
  }
}

/** Why a catalog path cannot be read, by error code: the user's path is at fault, not the machine. */
const UNREADABLE: ReadonlyMap<string, string> = new Map([
  ['ENOTDIR', 'a part of its path is a file, not a folder'],
  ['ELOOP', 'its path goes round a loop of symbolic links'],
  ['ENAMETOOLONG', 'its path (or a name in it) is too long'],
  ['EACCES', 'permission denied; make the file readable for this user, or copy it somewhere readable'],
  ['EPERM', 'permission denied; make the file readable for this user, or copy it somewhere readable'],
  ['EISDIR', 'it is a folder, not a file'],
]);

// No system error as the cause of the InputError: the CLI would read EACCES in a cause as a fault of the machine.
function unreadable(path: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return new InputError(`catalog file not found: ${path}`, 'invalid_catalog', { cause: e });
  }
  const why = code === undefined ? undefined : UNREADABLE.get(code);
  if (why === undefined) return e;
  return new InputError(`catalog ${path} cannot be read (${code}): ${why}`, 'invalid_catalog');
}

function formatSize(bytes: number): string {
  return bytes < 1024 * 1024 ? `${bytes} bytes` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
