import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeExactSearch } from '#adapters/file-vector-store/native-exact.ts';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
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
});
