import type { StoredDoc } from '#core/product-record.ts';
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

/** In-memory rows with their vectors packed in one contiguous Float32Array matrix (row-major). */
export class VectorTable {
  private matrix: Float32Array;
  private readonly rows: Row[] = [];
  private readonly indexOf = new Map<string, number>();
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
   * The k rows with the highest dot product with `query` among those `accept` keeps; ties by id.
   * Scores every row in one tight pass first, then asks `accept` only of rows that could still make the list.
   */
  topK(
    query: Float32Array,
    k: number,
    accept: (row: Row) => boolean,
    selective = false,
    native = true,
  ): ScoredRow[] {
    const n = this.rows.length;
    // A metadata filter keeps few rows: it is asked once per row here, and only those rows are scored.
    const keep = selective ? this.rows.map((row) => accept(row)) : undefined;
    const acceptAt = keep
      ? (index: number) => keep[index] === true
      : (index: number) => accept(this.rows[index] as Row);
    // Native preselection (usearch, SIMD): the best rows by float32 dot product, rescored here exactly and
    // ranked with the same ties, so the answer equals the full scan's. Every row left out scores below every
    // candidate, so the best k accepted candidates are the best k accepted rows; when the filter leaves fewer
    // than k of them, the scan below answers instead.
    if (native && k <= INSERTION_LIMIT && n > PRESELECT_MIN_ROWS) {
      let want = Math.max(k * PRESELECT_FACTOR, k + 32);
      if (keep) {
        const kept = keep.reduce((count, yes) => (yes ? count + 1 : count), 0);
        if (kept === 0) return [];
        // As many more candidates as the filter is narrow; a very narrow one is scored row by row below.
        want = Math.ceil((want * n) / kept);
      }
      const picked = want < n / 2 ? this.preselected(query, k, acceptAt, want) : null;
      if (picked) return picked;
    }
    // Otherwise score every (kept) row in one pass, and filter lazily.
    const scores = scoreAll(this.matrix, n, this.dim, query, keep);
    const best: ScoredRow[] = [];
    for (let index = 0; index < n; index++) {
      const score = scores[index] as number;
      const worst = best[best.length - 1];
      if (k <= INSERTION_LIMIT && best.length === k && worst && score < worst.score) continue;
      if (!acceptAt(index)) continue;
      const row = this.rows[index] as Row;
      if (k > INSERTION_LIMIT) {
        best.push({ row, index, score });
        continue;
      }
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

  private preselected(
    query: Float32Array,
    k: number,
    acceptAt: (index: number) => boolean,
    want: number,
  ): ScoredRow[] | null {
    const n = this.rows.length;
    const candidates = nativeCandidates(this.matrix, n, this.dim, query, want);
    if (!candidates) return null;
    const best: ScoredRow[] = [];
    for (const index of candidates) {
      if (!acceptAt(index)) continue;
      const row = this.rows[index] as Row;
      best.push({ row, index, score: dotAt(this.matrix, index * this.dim, this.dim, query) });
    }
    // Fewer accepted than asked while rows were left out: a rare filter, answered by the full scan.
    if (best.length < k && candidates.length < n) return null;
    best.sort((a, b) => (ranksBefore(a.score, a.row.id, b) ? -1 : 1));
    best.length = Math.min(best.length, k);
    return best;
  }

  /** A copy of the vector at `index`. */
  vectorAt(index: number): Float32Array {
    return this.matrix.slice(index * this.dim, (index + 1) * this.dim);
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

/** Dot product of `query` with each of the first `n` rows of `m`, four lanes at a time, in one tight loop. */
function scoreAll(
  m: Float32Array,
  n: number,
  dim: number,
  query: Float32Array,
  keep?: boolean[],
): Float64Array {
  const scores = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  for (let row = 0, base = 0; row < n; row++, base += dim) {
    if (keep && !keep[row]) continue;
    scores[row] = dotAt(m, base, dim, query);
  }
  return scores;
}

function ranksBefore(score: number, id: string, other: ScoredRow): boolean {
  return score > other.score || (score === other.score && id < other.row.id);
}
