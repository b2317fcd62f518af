import { describe, expect, it } from 'vitest';
import { parseCatalog } from '#core/catalog/parse.ts';

const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('per-product caps on metadata fields and images', () => {
  it('keeps the first 64 metadata columns of a 70-column CSV and names the other 6 in one warning', () => {
    // Prepare
    const columns = keys('c', 70);
    const text = [
      ['product_id', 'image_url', ...columns].join(','),
      ['p1', 'https://a.example/1.jpg', ...columns.map((c) => `v-${c}`)].join(','),
      ['p2', 'https://a.example/2.jpg', ...columns.map((c) => `w-${c}`)].join(','),
    ].join('\n');

    // Act
    const result = parseCatalog(text, { file: 'cat.csv' });

    // Assess
    expect(result.errors).toEqual([]);
    expect(result.products.map((p) => p.id)).toEqual(['p1', 'p2']);
    expect(Object.keys(result.products[0]?.metadata ?? {})).toEqual(columns.slice(0, 64));
    expect(result.warnings.map(String)).toEqual([
      'cat.csv:1: CSV header has 70 metadata columns; the limit is 64, so the 6 from column 67 to 72 are ' +
        'ignored: "c64", "c65", "c66", "c67", "c68", "c69"',
    ]);
  });

  it('names at most 10 ignored CSV columns', () => {
    // Prepare
    const columns = keys('c', 80);
    const text = [
      ['product_id', 'image_url', ...columns].join(','),
      ['p1', 'https://a.example/1.jpg', ...columns].join(','),
    ].join('\n');

    // Act
    const result = parseCatalog(text, { file: 'cat.csv' });

    // Assess
    expect(result.warnings.map(String)).toEqual([
      'cat.csv:1: CSV header has 80 metadata columns; the limit is 64, so the 16 from column 67 to 82 are ' +
        'ignored: "c64", "c65", "c66", "c67", "c68", "c69", "c70", "c71", "c72", "c73" and 6 more',
    ]);
  });

  it('keeps the first 64 fields of a 70-key JSON Lines product with one warning naming the other keys', () => {
    // Prepare
    const fields = Object.fromEntries(keys('k', 70).map((k) => [k, 'v']));
    const line = JSON.stringify({ id: 'k70', images: ['https://a.example/1.jpg'], ...fields });

    // Act
    const result = parseCatalog(line, { file: 'cat.jsonl' });

    // Assess
    expect(result.errors).toEqual([]);
    expect(Object.keys(result.products[0]?.metadata ?? {})).toEqual(keys('k', 64));
    expect(result.warnings.map(String)).toEqual([
      'cat.jsonl:1: product "k70" has more than 64 metadata fields; the first 64 are kept, 6 ignored: ' +
        '"k64", "k65", "k66", "k67", "k68", "k69"',
    ]);
  });

  it('reports the images past the cap of a JSON Lines product once, with how many', () => {
    // Prepare
    const images = Array.from({ length: 1000 }, (_, i) => `https://a.example/x${i}.jpg`);
    const line = JSON.stringify({ id: 'mi', images });

    // Act
    const result = parseCatalog(line, { file: 'cat.jsonl' });

    // Assess
    expect(result.products[0]?.images).toEqual(images.slice(0, 20));
    expect(result.errors.map(String)).toEqual([
      'cat.jsonl:1: product "mi" has more than 20 images; 980 more images ignored, the first ' +
        '"https://a.example/x20.jpg"',
    ]);
  });

  it('reports the images past the cap of a CSV product once, with the lines they are on', () => {
    // Prepare
    const rows = Array.from({ length: 23 }, (_, i) => `p1,https://a.example/${i}.jpg`);
    const text = ['product_id,image_url', ...rows, 'p2,https://a.example/p2.jpg'].join('\n');

    // Act
    const result = parseCatalog(text, { file: 'cat.csv' });

    // Assess
    expect(result.products.map((p) => [p.id, p.images.length])).toEqual([
      ['p1', 20],
      ['p2', 1],
    ]);
    expect(result.errors.map(String)).toEqual([
      'cat.csv:22: product "p1" has more than 20 images; 3 more images ignored (lines 22 to 24), the first ' +
        '"https://a.example/20.jpg"',
    ]);
  });
});
