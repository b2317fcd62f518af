import { ModelMismatchError } from '../../core/errors.ts';
import type { IndexInfo, SearchFilter, SearchOptions, VectorStore } from '../../core/ports/vector-store.ts';
import type { Hit, ProductRecord } from '../../core/types.ts';
import { dot } from '../../core/vectors.ts';

/** An in-memory VectorStore with exact cosine search, for tests until the embedded store exists. */
export class MemoryVectorStore implements VectorStore {
  private bound: IndexInfo | null = null;
  private readonly records = new Map<string, ProductRecord>();

  async info(): Promise<IndexInfo | null> {
    return this.bound ? { ...this.bound } : null;
  }

  async bind(info: IndexInfo): Promise<void> {
    if (this.bound && (this.bound.model !== info.model || this.bound.dim !== info.dim)) {
      throw new ModelMismatchError(
        `store holds ${this.bound.model} (${this.bound.dim}-d), not ${info.model} (${info.dim}-d)`,
      );
    }
    this.bound = { ...info };
  }

  async upsert(records: ProductRecord[]): Promise<void> {
    const bound = this.bound;
    if (!bound) throw new Error('bind the store to a model before upserting');
    for (const r of records) {
      if (r.vector.length !== bound.dim) {
        throw new RangeError(`record ${r.id} has ${r.vector.length} dimensions, store has ${bound.dim}`);
      }
      this.records.set(r.id, structuredClone(r));
    }
  }

  async get(id: string): Promise<ProductRecord | null> {
    const r = this.records.get(id);
    return r ? structuredClone(r) : null;
  }

  async search(vector: Float32Array, options: SearchOptions): Promise<Hit[]> {
    const excluded = new Set(options.excludeIds ?? []);
    return [...this.records.values()]
      .filter((r) => !excluded.has(r.id) && matches(r, options.filter))
      .map((r) => ({ record: structuredClone(r), score: dot(vector, r.vector) }))
      .sort((a, b) => b.score - a.score || a.record.id.localeCompare(b.record.id))
      .slice(0, options.k);
  }

  async count(): Promise<number> {
    return this.records.size;
  }

  async close(): Promise<void> {}
}

function matches(r: ProductRecord, filter: SearchFilter | undefined): boolean {
  if (!filter) return true;
  const m = r.metadata;
  if (filter.category !== undefined && m.category !== filter.category) return false;
  if (filter.color !== undefined && m.color !== filter.color) return false;
  const price = typeof m.price === 'number' ? m.price : Number(m.price);
  if (filter.priceMin !== undefined && !(price >= filter.priceMin)) return false;
  if (filter.priceMax !== undefined && !(price <= filter.priceMax)) return false;
  return true;
}
