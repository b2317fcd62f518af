import { InputError, ModelMismatchError } from '#core/errors.ts';
import type { IndexInfo, SearchFilter, SearchOptions, VectorStore } from '#core/ports/vector-store.ts';
import type { Hit, ProductRecord } from '#core/types.ts';
import { dot } from '#core/vectors.ts';

/** An in-memory VectorStore with exact cosine search; it passes the same contract as the real adapters. */
export class MemoryVectorStore implements VectorStore {
  private bound: IndexInfo | null = null;
  private readonly records = new Map<string, ProductRecord>();

  async info(): Promise<IndexInfo | null> {
    return this.bound ? { ...this.bound } : null;
  }

  async bind(info: IndexInfo): Promise<void> {
    const b = this.bound;
    if (b && this.records.size > 0 && (b.model !== info.model || b.dim !== info.dim)) {
      throw new ModelMismatchError(`store holds ${b.model} (${b.dim}-d), not ${info.model} (${info.dim}-d)`);
    }
    this.bound = { ...info };
  }

  async upsert(records: ProductRecord[]): Promise<void> {
    const bound = this.bound;
    if (!bound) throw new InputError('bind the store to a model before upserting');
    for (const r of records) {
      if (r.vector.length !== bound.dim || !r.vector.every(Number.isFinite)) {
        throw new InputError(`record ${r.id}: vector must have ${bound.dim} finite components`);
      }
    }
    for (const r of records) this.records.set(r.id, structuredClone(r));
  }

  async delete(ids: string[]): Promise<number> {
    let removed = 0;
    for (const id of new Set(ids)) if (this.records.delete(id)) removed++;
    return removed;
  }

  async get(id: string): Promise<ProductRecord | null> {
    const r = this.records.get(id);
    return r ? structuredClone(r) : null;
  }

  async *listIds(): AsyncGenerator<string> {
    yield* [...this.records.keys()];
  }

  async search(vector: Float32Array, options: SearchOptions): Promise<Hit[]> {
    if (!Number.isInteger(options.k) || options.k < 0) throw new InputError(`bad k ${options.k}`);
    if (this.bound && vector.length !== this.bound.dim) {
      throw new InputError(`query has ${vector.length} dimensions, store has ${this.bound.dim}`);
    }
    const excluded = new Set(options.excludeIds ?? []);
    return [...this.records.values()]
      .filter((r) => !excluded.has(r.id) && matches(r, options.filter))
      .map((r) => ({ record: structuredClone(r), score: dot(vector, r.vector) }))
      .sort((a, b) => b.score - a.score || (a.record.id < b.record.id ? -1 : 1))
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
  const same = (value: unknown, wanted: string) =>
    value !== undefined && String(value).toLowerCase() === wanted.toLowerCase();
  if (filter.category !== undefined && !same(m.category, filter.category)) return false;
  if (filter.color !== undefined && !same(m.color, filter.color)) return false;
  const price = m.price;
  const priced = filter.priceMin !== undefined || filter.priceMax !== undefined;
  if (priced && typeof price !== 'number') return false;
  if (filter.priceMin !== undefined && !((price as number) >= filter.priceMin)) return false;
  if (filter.priceMax !== undefined && !((price as number) <= filter.priceMax)) return false;
  return true;
}
