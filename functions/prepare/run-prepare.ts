import { EmptyCatalogError } from '#core/catalog/catalog-error.ts';
import { decodeCatalog } from '#core/catalog/decode.ts';
import { firstNonBlankLine } from '#core/catalog/detect.ts';
import { CATALOG_LIMITS, type CatalogFormat, parseCatalog } from '#core/catalog/index.ts';
import { writeProductList } from '#core/contracts/product-list.ts';
import { itemsKey, mapResultsPrefix, problemsKey } from '#core/contracts/run-layout.ts';
import { BlobNotFoundError, BlobTooLargeError, InputError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { CatalogProduct, ProductItem } from '#core/types.ts';
import { catalogProblems, firstProblems } from './problems.ts';
import { DEFAULT_LOCK_TTL_SECONDS, type PrepareEvent } from './schema.ts';

/** Key of a run's items file: the JSON array of ProductItem the Distributed Map reads. */

/** Key of a run's list of refused catalog rows and warnings, one `error: file:line: message` per line. */

/** What the prepare stage needs. */
export interface PrepareDeps {
  /** Holds the catalog; receives the items, product list and problems files. */
  blobs: BlobStore;
  /** Epoch milliseconds (default Date.now). */
  clock?: () => number;
}

/** What prepare tells the state machine: keys and counts, never the catalog itself (kept far below 256 KB). */
export interface PrepareResult {
  runId: string;
  catalogKey: string;
  /** The execution's prune choice, defaulted (the aggregate step reads it from here). */
  prune: boolean;
  /** `runs/<runId>/items.json`, the Distributed Map's ItemReader key. */
  itemsKey: string;
  products: number;
  images: number;
  format: CatalogFormat;
  /** Rows or values the catalog parser refused. */
  catalogErrors: number;
  catalogWarnings: number;
  /** `runs/<runId>/catalog-problems.txt`, present when there were errors or warnings. */
  problemsKey?: string;
  /** The first problem lines (at most 20, each cut to 500 characters), for the CLI. */
  firstProblems: string[];
  /** Where the Distributed Map's ResultWriter puts this run's results: `map-results/<runId>`. */
  mapResultsPrefix: string;
  /** Epoch seconds when prepare ran. */
  now: number;
  /** Epoch seconds when the run's lock may be taken over: `now + lockTtlSeconds`. */
  lockExpiresAt: number;
}

/**
 * Reads and parses the run's catalog from the blob store (messages name `<catalogKey>:<line>`), writes the
 * items file, the product list (for prune) and, when rows were refused, the problems file. An unusable catalog
 * (missing, too big, binary, empty, no usable product) throws InputError naming the catalog key.
 */
export async function runPrepare(input: PrepareEvent, deps: PrepareDeps): Promise<PrepareResult> {
  const { runId, catalogKey } = input;
  const now = Math.floor((deps.clock ?? Date.now)() / 1000);
  const name = input.catalog?.name ?? catalogKey;
  const text = decodeCatalog(await readCatalog(deps.blobs, catalogKey), name);
  const { format, groupSize } = input.catalog ?? {};
  const catalog = parseCatalog(text, { file: name, format, groupSize });
  if (catalog.products.length === 0) {
    throw new EmptyCatalogError(name, catalog.errors, firstNonBlankLine(text, name).line);
  }
  const items = catalog.products.map(toItem);
  await deps.blobs.put(itemsKey(runId), jsonArray(items), 'application/json');
  await writeProductList(
    deps.blobs,
    runId,
    items.map((item) => item.id),
    { catalogErrors: catalog.errors.length },
  );
  const problems = catalogProblems(catalog);
  if (problems.length > 0) {
    await deps.blobs.put(
      problemsKey(runId),
      new TextEncoder().encode(`${problems.join('\n')}\n`),
      'text/plain; charset=utf-8',
    );
  }
  return {
    runId,
    catalogKey,
    prune: input.prune === true,
    itemsKey: itemsKey(runId),
    products: items.length,
    images: items.reduce((n, item) => n + item.images.length, 0),
    format: catalog.format,
    catalogErrors: catalog.errors.length,
    catalogWarnings: catalog.warnings.length,
    ...(problems.length > 0 && { problemsKey: problemsKey(runId) }),
    firstProblems: firstProblems(problems),
    mapResultsPrefix: mapResultsPrefix(runId),
    now,
    lockExpiresAt: now + (input.lockTtlSeconds ?? DEFAULT_LOCK_TTL_SECONDS),
  };
}

async function readCatalog(blobs: BlobStore, key: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await blobs.get(key);
  } catch (error) {
    if (error instanceof BlobTooLargeError) {
      // The cloud's stores read at most 64 MiB at once (and the prepare function's memory holds about that).
      throw new InputError(
        `catalog ${key} is ${mb(error.bytes)} MB; this data store reads at most ${mb(error.limit)} MB at once ` +
          '(split it into several files)',
        'invalid_catalog',
        { cause: error },
      );
    }
    if (!(error instanceof BlobNotFoundError)) throw error;
    throw new InputError(`catalog ${key} not found in the data store`, 'invalid_catalog', { cause: error });
  }
  const max = CATALOG_LIMITS.maxFileBytes;
  if (bytes.length > max) {
    throw new InputError(
      `catalog ${key} is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; the limit is ` +
        `${max / 1024 / 1024} MB (split it into several files)`,
      'invalid_catalog',
    );
  }
  return bytes;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function toItem(product: CatalogProduct): ProductItem {
  return {
    id: product.id,
    metadata: product.metadata,
    images: product.images.map((url) => ({ url, status: 'pending' })),
  };
}

// One item per line: a 47k-product catalog stays readable with head/grep, and no giant single line.
function jsonArray(values: unknown[]): Uint8Array {
  return new TextEncoder().encode(`[\n${values.map((v) => JSON.stringify(v)).join(',\n')}\n]\n`);
}
