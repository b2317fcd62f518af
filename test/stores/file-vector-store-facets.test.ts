import { describe, expect, it } from 'vitest';
import { FacetColumns } from '#adapters/file-vector-store/facets.ts';
import { matchesDoc, rowFilter } from '#adapters/file-vector-store/filter.ts';
import type { SearchFilter } from '#core/ports/vector-store.ts';
import type { StoredDoc } from '#core/product-record.ts';
import { Random } from '#core/random.ts';

// The facet columns a filter reads must keep exactly the rows the filter's definition keeps (matchesDoc), through
// writes, overwrites and the moves a delete makes, including docs a hand-edited log could hold (odd types).

const random = new Random(99);

function randomDoc(): StoredDoc {
  const metadata: Record<string, string | number> = {};
  const odd = random.next() < 0.05;
  if (random.next() < 0.9) metadata.category = random.pick(['Tops', 'tops', 'bottoms', 12, 'DRESSES']);
  if (random.next() < 0.6) metadata.color = random.pick(['red', 'RED', 'blue']);
  if (random.next() < 0.8) metadata.price = random.pick([random.int(0, 100), random.int(0, 100) / 4, '30']);
  const doc: StoredDoc = { images: [], metadata, imagesUsed: 1 };
  if (odd) (doc.metadata as Record<string, unknown>).category = random.pick([null, true, { a: 1 }]);
  if (random.next() < 0.5) {
    doc.autoTags = { pattern: { value: random.pick(['Striped', 'plain']), margin: 0.1 } };
    if (random.next() < 0.3) doc.autoTags.fit = { value: 'slim', margin: 0.1 };
  }
  return doc;
}

function randomFilter(): SearchFilter {
  const filter: SearchFilter = {};
  if (random.next() < 0.5) filter.category = random.pick(['tops', 'Bottoms', '12', 'null', 'true', 'hats']);
  if (random.next() < 0.3) filter.color = random.pick(['red', 'Blue']);
  if (random.next() < 0.4) filter.priceMin = random.int(0, 100) / 2;
  if (random.next() < 0.4) filter.priceMax = random.int(0, 100);
  if (random.next() < 0.3) filter.tags = { pattern: random.pick(['striped', 'PLAIN', 'checked']) };
  if (random.next() < 0.2) filter.tags = { ...filter.tags, fit: 'slim' };
  return filter;
}

describe('FacetColumns', () => {
  it('keeps exactly the rows the filter definition keeps, through overwrites and delete moves', () => {
    // Prepare: rows written, overwritten and deleted the way VectorTable does (the last row fills the hole).
    const columns = new FacetColumns();
    const docs: StoredDoc[] = [];
    for (let step = 0; step < 3000; step++) {
      const action = random.next();
      if (action < 0.7 || docs.length === 0) {
        docs.push(randomDoc());
        columns.set(docs.length - 1, docs[docs.length - 1] as StoredDoc);
      } else if (action < 0.85) {
        const at = random.int(0, docs.length - 1);
        docs[at] = randomDoc();
        columns.set(at, docs[at] as StoredDoc);
      } else {
        const at = random.int(0, docs.length - 1);
        const last = docs.length - 1;
        if (at !== last) {
          docs[at] = docs[last] as StoredDoc;
          columns.move(last, at);
        }
        docs.pop();
      }
    }
    for (let q = 0; q < 300; q++) {
      const filter = rowFilter({ k: 1, filter: randomFilter() });
      // Act
      const selection = columns.select(filter, docs.length);
      // Assess
      const expected = docs.flatMap((doc, i) => (matchesDoc(filter, `r${i}`, doc) ? [i] : []));
      const got = selection ? [...selection.list.subarray(0, selection.count)] : docs.map((_, i) => i);
      expect(got, JSON.stringify(filter)).toEqual(expected);
    }
  });

  it('keeps the last row, and keeps no row for a value or a tag group nothing holds', () => {
    // Prepare
    const columns = new FacetColumns();
    const docs: StoredDoc[] = [
      { images: [], metadata: { category: 'tops', price: 5 }, imagesUsed: 1 },
      {
        images: [],
        metadata: { category: 'Tops' },
        imagesUsed: 1,
        autoTags: { fit: { value: 'slim', margin: 0 } },
      },
    ];
    for (const [i, doc] of docs.entries()) columns.set(i, doc);
    const select = (filter: SearchFilter) => {
      const s = columns.select(rowFilter({ k: 1, filter }), docs.length);
      return s && [...s.list.subarray(0, s.count)];
    };
    // Act, Assess
    expect(select({ category: 'TOPS' })).toEqual([0, 1]);
    expect(select({ tags: { fit: 'Slim' } })).toEqual([1]);
    expect(select({ priceMax: 5 })).toEqual([0]);
    expect(select({ category: 'hats' })).toEqual([]);
    expect(select({ tags: { pattern: 'plain' } })).toEqual([]);
    expect(select({})).toBeNull();
  });
});
