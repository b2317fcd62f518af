import { createRequire } from 'node:module';

/** usearch's brute-force search over a row-major matrix: SIMD dot products in native code, no index built. */
type ExactSearch = (
  dataset: Float32Array,
  queries: Float32Array,
  dimensions: number,
  count: number,
  metric: 'ip',
) => { keys: BigUint64Array; distances: Float32Array };

let loaded: ExactSearch | null | undefined;

/**
 * usearch's exactSearch, or null where the native addon cannot load (a platform without a prebuilt binary):
 * the store then scores in JavaScript, with the same results. Loaded once, on first use.
 */
export function nativeExactSearch(): ExactSearch | null {
  if (loaded !== undefined) return loaded;
  try {
    const usearch = createRequire(import.meta.url)('usearch') as { exactSearch?: ExactSearch };
    loaded = typeof usearch.exactSearch === 'function' ? usearch.exactSearch : null;
  } catch {
    loaded = null;
  }
  return loaded;
}

/** Rows found by the native search, best first: their indices and their distances (1 - float32 dot product). */
export interface NativeCandidates {
  rows: Uint32Array;
  distances: Float32Array;
}

/**
 * The `count` rows of `matrix` (the first `rows` rows, `dim` wide; a matrix that starts its own buffer) with the
 * highest dot product with `query`, best first, by the native search; null when it is unavailable.
 */
export function nativeCandidates(
  matrix: Float32Array,
  rows: number,
  dim: number,
  query: Float32Array,
  count: number,
): NativeCandidates | null {
  const search = nativeExactSearch();
  if (!search || rows === 0 || matrix.byteOffset !== 0) return null;
  // usearch 2.26's binding reads each array from the start of its ArrayBuffer, ignoring byteOffset: a query that
  // is a view into a larger buffer (a Buffer from Node's pool, a row of a batch) would be read from the wrong
  // place. Such a query is copied into a buffer of its own.
  const own = query.byteOffset === 0 ? query : query.slice();
  const { keys, distances } = search(matrix.subarray(0, rows * dim), own, dim, Math.min(count, rows), 'ip');
  const out = new Uint32Array(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = Number(keys[i]);
  return { rows: out, distances };
}
