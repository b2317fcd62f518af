import type { StoredDoc } from '#core/product-record.ts';
import { FacetColumns } from './facets.ts';
import { isSelective, type RowFilter } from './filter.ts';
import { nativeCandidates } from './native-exact.ts';

/** A live row's non-vector state. */
export interface Row {
  id: string;
  doc: StoredDoc;
  docJson: string;
  /** Bytes its put line takes in the log, for the live-size estimate that triggers compaction. */
  lineBytes: number;
}

/** A scored row, before it is turned into a Hit. */
export interface ScoredRow {
  row: Row;
  index: number;
  score: number;
}

/** Above this k, top-k collects every candidate and sorts once instead of insertion into a short list. */
const INSERTION_LIMIT = 64;
/** Below this many rows the JavaScript scan is as fast as a native call. */
const PRESELECT_MIN_ROWS = 2000;
/** Candidates the native search returns per result asked, so that a filter still leaves enough of them. */
const PRESELECT_FACTOR = 16;
/**
 * What scoring one kept row in JavaScript costs, in rows the native search scores in the same time (measured
 * on 2 cores, 47k x 768: 1.47 µs a kept row, scattered through the matrix, against 0.13 µs a row natively). A
 * filter that keeps fewer rows than 1/12 of the table has them scored here; a wider one is preselected natively
 * over every row. Either way a filtered search costs at most about what an unfiltered one does.
 */
const SCAN_ROW_COST = 12;

/**
 * In-memory rows with their vectors packed in one contiguous Float32Array matrix (row-major), and their
 * filterable fields in typed-array columns (FacetColumns) parallel to it.
 */
export class VectorTable {
  private matrix: Float32Array;
  private readonly rows: Row[] = [];
  private readonly indexOf = new Map<string, number>();
  private readonly facets = new FacetColumns();
  /** The largest norm of any vector stored so far (never lowered): what bounds the native search's rounding. */
  private maxNorm = 0;
  private liveLineBytes = 0;

  constructor(readonly dim: number) {
    this.matrix = new Float32Array(dim * 64);
  }

  get size(): number {
    return this.rows.length;
  }

  /** Sum of the put-line sizes of the live rows. */
  get lineBytes(): number {
    return this.liveLineBytes;
  }

  has(id: string): boolean {
    return this.indexOf.has(id);
  }

  /** The row for `id` and a copy of its vector, or null. */
  get(id: string): { row: Row; vector: Float32Array } | null {
    const index = this.indexOf.get(id);
    if (index === undefined) return null;
    return { row: this.rows[index] as Row, vector: this.vectorAt(index) };
  }

  /** True when `id` is stored with exactly this vector (bitwise) and doc. */
  holds(id: string, vector: Float32Array, docJson: string): boolean {
    const index = this.indexOf.get(id);
    if (index === undefined || (this.rows[index] as Row).docJson !== docJson) return false;
    const base = index * this.dim;
    for (let i = 0; i < this.dim; i++) {
      if (!Object.is(this.matrix[base + i], vector[i])) return false;
    }
    return true;
  }

  set(row: Row, vector: Float32Array): void {
    let index = this.indexOf.get(row.id);
    if (index === undefined) {
      index = this.rows.length;
      this.ensureCapacity(index + 1);
      this.rows.push(row);
      this.indexOf.set(row.id, index);
    } else {
      this.liveLineBytes -= (this.rows[index] as Row).lineBytes;
      this.rows[index] = row;
    }
    this.liveLineBytes += row.lineBytes;
    this.matrix.set(vector, index * this.dim);
    this.facets.set(index, row.doc);
    this.maxNorm = Math.max(this.maxNorm, Math.sqrt(dotAt(vector, 0, this.dim, vector)));
  }

  /** Removes `id` by moving the last row into its place; false when absent. */
  delete(id: string): boolean {
    const index = this.indexOf.get(id);
    if (index === undefined) return false;
    const last = this.rows.length - 1;
    this.liveLineBytes -= (this.rows[index] as Row).lineBytes;
    if (index !== last) {
      const moved = this.rows[last] as Row;
      this.rows[index] = moved;
      this.indexOf.set(moved.id, index);
      this.matrix.copyWithin(index * this.dim, last * this.dim, (last + 1) * this.dim);
      this.facets.move(last, index);
    }
    this.rows.pop();
    this.indexOf.delete(id);
    return true;
  }

  /** A snapshot of the live ids. */
  ids(): string[] {
    return this.rows.map((row) => row.id);
  }

  /** Rows in insertion-ish order with their vectors, for compaction. */
  *entries(): Generator<{ row: Row; vector: Float32Array }> {
    for (let i = 0; i < this.rows.length; i++) {
      yield { row: this.rows[i] as Row, vector: this.matrix.subarray(i * this.dim, (i + 1) * this.dim) };
    }
  }

  /**
   * The k rows with the highest dot product with `query` among those `filter` keeps, best first; ties by id.
   * The filter reads the facet columns (one typed-array pass); then either the native search preselects
   * candidates from every row and they are rescored here, or the kept rows are scored here one by one,
   * whichever costs less. Both give the answer a full scan gives.
   */
  topK(query: Float32Array, k: number, filter: RowFilter, native = true): ScoredRow[] {
    const n = this.rows.length;
    if (k === 0 || n === 0) return [];
    const excluded = new Set<number>();
    for (const id of filter.excludeIds) {
      const index = this.indexOf.get(id);
      if (index !== undefined) excluded.add(index);
    }
    const selection = isSelective(filter) ? this.facets.select(filter, n) : null;
    if (selection && excluded.size > 0) {
      selection.count = withoutExcluded(selection.list, selection.count, excluded);
    }
    const kept = selection ? selection.count : n - excluded.size;
    if (kept <= 0) return [];
    if (native && k <= INSERTION_LIMIT && n > PRESELECT_MIN_ROWS && kept * SCAN_ROW_COST > n) {
      let accepted: (index: number) => boolean = (index) => !excluded.has(index);
      if (selection) {
        const mask = new Uint8Array(n);
        for (let j = 0; j < selection.count; j++) mask[selection.list[j] as number] = 1;
        accepted = (index) => mask[index] === 1;
      }
      // As many more candidates as the filter is narrow, and again four times as many while they fall short.
      const base = Math.max(k * PRESELECT_FACTOR, k + 32);
      for (let want = Math.ceil((base * n) / kept) + excluded.size; want < n / 2; want *= 4) {
        const picked = this.preselected(query, k, accepted, want);
        if (picked === 'unavailable') break;
        if (picked) return picked;
      }
    }
    return selection
      ? this.scan(query, k, selection.list, selection.count, excluded)
      : this.scan(query, k, null, n, excluded);
  }

  /**
   * Native preselection (usearch, SIMD): the `want` best rows by float32 dot product, rescored here exactly and
   * ranked with the same ties. A row left out scores natively at most what the last candidate scores, so
   * exactly at most that plus the rounding bound; when the k-th accepted candidate scores above that, no row
   * left out can enter the answer, which is then the full scan's. Otherwise null: too few candidates. Each
   * rescored candidate's native score must also lie within that bound of its exact one; one that does not
   * means the native search did not score this query ('unavailable': the scan answers).
   */
  private preselected(
    query: Float32Array,
    k: number,
    accepted: (index: number) => boolean,
    want: number,
  ): ScoredRow[] | null | 'unavailable' {
    const n = this.rows.length;
    const found = nativeCandidates(this.matrix, n, this.dim, query, want);
    if (!found) return 'unavailable';
    const best: ScoredRow[] = [];
    const bound = this.roundingBound(query);
    let worstDistance = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < found.rows.length; j++) {
      const distance = found.distances[j] as number;
      worstDistance = Math.max(worstDistance, distance);
      const index = found.rows[j] as number;
      if (!accepted(index)) continue;
      const row = this.rows[index] as Row;
      const score = dotAt(this.matrix, index * this.dim, this.dim, query);
      // A native score further from the exact one than rounding allows: the native search read something else.
      if (!(Math.abs(score - (1 - distance)) <= bound)) return 'unavailable';
      best.push({ row, index, score });
    }
    best.sort((a, b) => (ranksBefore(a.score, a.row.id, b) ? -1 : 1));
    if (found.rows.length < n) {
      const kth = best[k - 1];
      if (kth === undefined || !(kth.score > 1 - worstDistance + bound)) return null;
    }
    best.length = Math.min(best.length, k);
    return best;
  }

  /**
   * How far the native float32 dot product of `query` with any stored row may lie from the exact one: the
   * classic bound n·u·Σ|x·q| (Σ|x·q| ≤ |x|·|q|), doubled for the order of the SIMD lanes, plus the rounding of
   * the distance 1 - dot.
   */
  private roundingBound(query: Float32Array): number {
    const product = this.maxNorm * Math.sqrt(dotAt(query, 0, this.dim, query));
    return (this.dim + 4) * 2 ** -23 * product + 2 ** -22 * (1 + product);
  }

  /** Scores the listed rows (every row when `list` is null), skipping `excluded`, and keeps the best k. */
  private scan(
    query: Float32Array,
    k: number,
    list: Int32Array | null,
    count: number,
    excluded: Set<number>,
  ): ScoredRow[] {
    const best: ScoredRow[] = [];
    for (let j = 0; j < count; j++) {
      const index = list ? (list[j] as number) : j;
      if (excluded.size > 0 && excluded.has(index)) continue;
      const score = dotAt(this.matrix, index * this.dim, this.dim, query);
      const row = this.rows[index] as Row;
      if (k > INSERTION_LIMIT) {
        best.push({ row, index, score });
        continue;
      }
      const worst = best[best.length - 1];
      if (best.length === k && worst && !ranksBefore(score, row.id, worst)) continue;
      let at = best.length;
      while (at > 0 && ranksBefore(score, row.id, best[at - 1] as ScoredRow)) at--;
      best.splice(at, 0, { row, index, score });
      if (best.length > k) best.pop();
    }
    if (k > INSERTION_LIMIT) {
      best.sort((a, b) => (ranksBefore(a.score, a.row.id, b) ? -1 : 1));
      best.length = Math.min(best.length, k);
    }
    return best;
  }

  /** A copy of the vector at `index`. */
  vectorAt(index: number): Float32Array {
    return this.matrix.slice(index * this.dim, (index + 1) * this.dim);
  }

  /** Makes room for `rows` rows at once (a load that knows how many are coming), so the matrix is not regrown. */
  reserve(rows: number): void {
    if (rows * this.dim <= this.matrix.length) return;
    const grown = new Float32Array(rows * this.dim);
    grown.set(this.matrix.subarray(0, this.rows.length * this.dim));
    this.matrix = grown;
  }

  private ensureCapacity(rows: number): void {
    if (rows * this.dim <= this.matrix.length) return;
    const grown = new Float32Array(Math.max(rows, this.rows.length * 2) * this.dim);
    grown.set(this.matrix.subarray(0, this.rows.length * this.dim));
    this.matrix = grown;
  }
}

/** Dot product of `query` with the row at `base`, four lanes at a time (one order of additions for every path). */
function dotAt(m: Float32Array, base: number, dim: number, query: Float32Array): number {
  const tail = dim - (dim % 4);
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  for (let i = 0; i < tail; i += 4) {
    a += (m[base + i] as number) * (query[i] as number);
    b += (m[base + i + 1] as number) * (query[i + 1] as number);
    c += (m[base + i + 2] as number) * (query[i + 2] as number);
    d += (m[base + i + 3] as number) * (query[i + 3] as number);
  }
  for (let i = tail; i < dim; i++) a += (m[base + i] as number) * (query[i] as number);
  return a + b + c + d;
}

/** Keeps, in place, the listed rows that are not `excluded`; returns how many. */
function withoutExcluded(list: Int32Array, count: number, excluded: Set<number>): number {
  let kept = 0;
  for (let j = 0; j < count; j++) {
    const index = list[j] as number;
    if (!excluded.has(index)) list[kept++] = index;
  }
  return kept;
}

function ranksBefore(score: number, id: string, other: ScoredRow): boolean {
  return score > other.score || (score === other.score && id < other.row.id);
}
