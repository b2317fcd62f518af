import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeCandidates, nativeExactSearch } from '#adapters/file-vector-store/native-exact.ts';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import type { SearchFilter } from '#core/ports/vector-store.ts';
import { Random } from '#core/random.ts';
import type { ProductRecord } from '#core/types.ts';
import { normalize } from '#core/vectors.ts';

// The embedded store's exact search against a plain brute force over the same records: same ids, same order,
// same scores, with and without filters, on clustered random vectors (a proper PRNG, not an LCG that repeats).

const DIM = 64;
const PRODUCTS = 3000;
const random = new Random(7);
const centres = Array.from({ length: 12 }, () => random.gaussians(DIM));
const clustered = () => {
  const centre = random.pick(centres);
  return normalize(Float32Array.from(random.gaussians(DIM), (x, i) => (centre[i] as number) + 0.6 * x));
};
const CATEGORIES = ['tops', 'bottoms', 'dresses'];
const records: ProductRecord[] = Array.from({ length: PRODUCTS }, (_, i) => ({
  id: `p${String(i).padStart(5, '0')}`,
  vector: clustered(),
  images: [`https://cdn.example.com/${i}.jpg`],
  metadata: { category: CATEGORIES[i % 3] as string, price: i % 200 },
  imagesUsed: 1,
}));

function bruteForce(query: Float32Array, k: number, keep: (r: ProductRecord) => boolean) {
  return records
    .filter(keep)
    .map((r) => ({ id: r.id, score: r.vector.reduce((s, x, i) => s + x * (query[i] as number), 0) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, k);
}

let dir: string;
let store: FileVectorStore;
let jsOnly: FileVectorStore;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-brute-'));
  store = await FileVectorStore.open(dir);
  await store.bind({ model: 'brute', dim: DIM });
  await store.upsert(records);
  jsOnly = await FileVectorStore.open(dir, { readOnly: true, nativeSearch: false });
});
afterAll(async () => {
  await store.close();
  await jsOnly.close();
  await rm(dir, { recursive: true, force: true });
});

describe('FileVectorStore exact search', () => {
  it.each([
    ['no filter', undefined, () => true],
    ['a category', { category: 'dresses' }, (r: ProductRecord) => r.metadata.category === 'dresses'],
    [
      'a category and a price range',
      { category: 'tops', priceMin: 20, priceMax: 60 },
      (r: ProductRecord) =>
        r.metadata.category === 'tops' && Number(r.metadata.price) >= 20 && Number(r.metadata.price) <= 60,
    ],
  ] as const)(
    'equals a brute force over the same records (%s), with native preselection and without',
    async (_what, filter, keep) => {
      for (let q = 0; q < 20; q++) {
        // Act
        const query = clustered();
        const native = await store.search(query, { k: 10, ...(filter && { filter }) });
        const scanned = await jsOnly.search(query, { k: 10, ...(filter && { filter }) });
        // Assess
        const expected = bruteForce(query, 10, keep);
        for (const hits of [native, scanned]) {
          expect(hits.map((h) => h.record.id)).toEqual(expected.map((e) => e.id));
          for (const [i, hit] of hits.entries())
            expect(hit.score).toBeCloseTo(expected[i]?.score as number, 5);
        }
      }
    },
  );

  it('loads the native search here (the CI machine has its prebuilt binary)', () => {
    expect(nativeExactSearch()).not.toBeNull();
  });

  it('reads a query that is a view into a larger buffer where the view is (usearch reads from the buffer start)', async () => {
    for (let q = 0; q < 10; q++) {
      // Prepare: the query in the middle of a buffer holding other vectors.
      const query = clustered();
      const buffer = new Float32Array(DIM * 3);
      buffer.set(clustered(), 0);
      buffer.set(query, DIM);
      const view = buffer.subarray(DIM, 2 * DIM);
      const matrix = new Float32Array(records.length * DIM);
      for (const [i, r] of records.entries()) matrix.set(r.vector, i * DIM);
      // Act
      const hits = await store.search(view, { k: 10 });
      const fromView = nativeCandidates(matrix, records.length, DIM, view, 50);
      const fromCopy = nativeCandidates(matrix, records.length, DIM, Float32Array.from(view), 50);
      // Assess
      expect(hits.map((h) => h.record.id)).toEqual(bruteForce(query, 10, () => true).map((e) => e.id));
      expect(fromView?.rows).toEqual(fromCopy?.rows);
    }
  });
});

// Random filters over a catalog that was written, changed and partly deleted: text facets in mixed case, numbers
// as categories, missing and non-numeric prices, auto-tags, exclusions, and a block of identical vectors (more
// than the native search first asks for) whose ids run against their insertion order, a tie the native search
// cannot order. Every answer must equal the brute force over the records as they now stand, from the writer
// (facet columns kept up to date through updates and deletes) and from fresh read-only opens (columns rebuilt
// from the log), native and scan alike.
describe('FileVectorStore filtered exact search, random filters', () => {
  const dim = 32;
  const rng = new Random(20240611);
  const hubs = Array.from({ length: 20 }, () => rng.gaussians(dim));
  const nearHub = () => {
    const hub = rng.pick(hubs);
    return normalize(Float32Array.from(rng.gaussians(dim), (x, i) => (hub[i] as number) + 0.5 * x));
  };
  const twin = nearHub();
  const CATEGORY = ['Tops', 'tops', 'TOPS', 'bottoms', 'dresses', 'Dresses', 'shoes', 7];
  const COLOR = ['red', 'Red', 'blue', 'green', 'black'];
  const PATTERN = ['striped', 'Striped', 'plain', 'floral'];
  const metadataFor = () => {
    const metadata: Record<string, string | number> = {};
    if (rng.next() < 0.95) metadata.category = rng.pick(CATEGORY);
    if (rng.next() < 0.7) metadata.color = rng.pick(COLOR);
    const price = rng.next();
    if (price < 0.85) metadata.price = rng.int(0, 500);
    else if (price < 0.9) metadata.price = String(rng.int(0, 500));
    return metadata;
  };
  const recordFor = (id: string, vector: Float32Array): ProductRecord => ({
    id,
    vector,
    images: [`https://cdn.example.com/${id}.jpg`],
    metadata: metadataFor(),
    imagesUsed: 1,
    ...(rng.next() < 0.6 && {
      autoTags: {
        pattern: { value: rng.pick(PATTERN), margin: 0.02 },
        ...(rng.next() < 0.5 && { sleeve: { value: rng.next() < 0.5 ? 'long' : 'short', margin: 0.02 } }),
      },
    }),
  });
  const current = new Map<string, ProductRecord>();
  // 400 identical vectors, written first (deletes never move them) from the highest id down: more than the
  // native search's first candidates.
  for (let i = 399; i >= 0; i--) {
    const id = `t${String(i).padStart(3, '0')}`;
    current.set(id, recordFor(id, Float32Array.from(twin)));
  }
  for (let i = 0; i < 4000; i++) {
    const id = `r${String(i).padStart(5, '0')}`;
    current.set(id, recordFor(id, nearHub()));
  }

  const lower = (v: unknown) => (v === undefined ? undefined : String(v).toLowerCase());
  const keeps = (r: ProductRecord, filter: SearchFilter, excluded: string[]) => {
    if (excluded.includes(r.id)) return false;
    if (filter.category !== undefined && lower(r.metadata.category) !== filter.category.toLowerCase())
      return false;
    if (filter.color !== undefined && lower(r.metadata.color) !== filter.color.toLowerCase()) return false;
    if (filter.priceMin !== undefined || filter.priceMax !== undefined) {
      const price = r.metadata.price;
      if (typeof price !== 'number') return false;
      if (filter.priceMin !== undefined && price < filter.priceMin) return false;
      if (filter.priceMax !== undefined && price > filter.priceMax) return false;
    }
    for (const [group, value] of Object.entries(filter.tags ?? {})) {
      if (lower(r.autoTags?.[group]?.value) !== value.toLowerCase()) return false;
    }
    return true;
  };
  const expected = (query: Float32Array, k: number, filter: SearchFilter, excluded: string[]) =>
    [...current.values()]
      .filter((r) => keeps(r, filter, excluded))
      .map((r) => ({ id: r.id, score: r.vector.reduce((s, x, i) => s + x * (query[i] as number), 0) }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, k);

  const randomFilter = (): SearchFilter => {
    const filter: SearchFilter = {};
    const which = rng.int(0, 9);
    if (which === 0) return filter;
    if (which <= 3 || rng.next() < 0.3)
      filter.category = rng.pick(['tops', 'Dresses', 'BOTTOMS', '7', 'hats']);
    if (which === 4 || rng.next() < 0.25) filter.color = rng.pick(['RED', 'blue', 'black']);
    if (which === 5 || which === 6 || rng.next() < 0.3) {
      const low = rng.int(0, 500);
      const width = rng.pick([0, 3, 40, 250, 500]);
      if (rng.next() < 0.8) filter.priceMin = low;
      if (rng.next() < 0.8) filter.priceMax = low + width;
    }
    if (which >= 7 || rng.next() < 0.2) {
      filter.tags = { pattern: rng.pick(['STRIPED', 'plain', 'floral', 'checked']) };
      if (rng.next() < 0.3) filter.tags.sleeve = rng.pick(['long', 'short']);
    }
    return filter;
  };

  let rdir: string;
  let writer: FileVectorStore;
  beforeAll(async () => {
    rdir = await mkdtemp(path.join(tmpdir(), 'tf-brute-filters-'));
    writer = await FileVectorStore.open(rdir);
    await writer.bind({ model: 'brute', dim });
    await writer.upsert([...current.values()]);
    // Change a tenth (new metadata, some new vectors) and delete a tenth, so rows move within the table.
    const ids = [...current.keys()];
    const changed = ids.filter(() => rng.next() < 0.1).filter((id) => !id.startsWith('t'));
    const updates = changed.map((id) =>
      recordFor(id, rng.next() < 0.5 ? nearHub() : (current.get(id) as ProductRecord).vector),
    );
    await writer.upsert(updates);
    for (const r of updates) current.set(r.id, r);
    const deleted = ids.filter(() => rng.next() < 0.1).filter((id) => !id.startsWith('t'));
    await writer.delete(deleted);
    for (const id of deleted) current.delete(id);
  });
  afterAll(async () => {
    await writer.close();
    await rm(rdir, { recursive: true, force: true });
  });

  it('equals a brute force for 150 random filters, exclusions and k, from every open and path', async () => {
    // Prepare
    const native = await FileVectorStore.open(rdir, { readOnly: true });
    const scan = await FileVectorStore.open(rdir, { readOnly: true, nativeSearch: false });
    const keptSizes: number[] = [];
    try {
      for (let q = 0; q < 150; q++) {
        let query = q % 10 === 0 ? Float32Array.from(twin) : nearHub();
        if (q % 3 === 1) query = Float32Array.from([...nearHub(), ...query]).subarray(dim); // a view
        const filter = randomFilter();
        const k = rng.pick([1, 6, 10, 10, 30]);
        const unexcluded = expected(query, 8, filter, []);
        const excludeIds = rng.next() < 0.3 ? unexcluded.filter(() => rng.next() < 0.4).map((e) => e.id) : [];
        keptSizes.push([...current.values()].filter((r) => keeps(r, filter, excludeIds)).length);
        // Act
        const options = { k, filter, ...(excludeIds.length > 0 && { excludeIds }) };
        const answers = await Promise.all([writer, native, scan].map((s) => s.search(query, options)));
        // Assess
        const want = expected(query, k, filter, excludeIds);
        for (const hits of answers) {
          expect(
            hits.map((h) => h.record.id),
            JSON.stringify({ q, filter, k, excludeIds }),
          ).toEqual(want.map((e) => e.id));
          for (const [i, hit] of hits.entries()) expect(hit.score).toBeCloseTo(want[i]?.score as number, 5);
        }
      }
    } finally {
      await native.close();
      await scan.close();
    }
    // The filters kept from no row and fewer than k up to most of the catalog.
    expect(Math.min(...keptSizes)).toBe(0);
    expect(keptSizes.some((n) => n > 0 && n < 10)).toBe(true);
    expect(Math.max(...keptSizes)).toBeGreaterThan(current.size / 2);
  });

  it('orders identical vectors by id, whatever order they were written in', async () => {
    // Act
    const hits = await writer.search(Float32Array.from(twin), { k: 10 });
    // Assess
    expect(hits.map((h) => h.record.id)).toEqual(Array.from({ length: 10 }, (_, i) => `t00${i}`));
  });
});
