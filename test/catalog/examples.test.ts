import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCatalogFile } from '#core/catalog/read.ts';

const dir = path.resolve(import.meta.dirname, '../../samples/catalogs');

describe('the example catalogs in samples/catalogs', () => {
  it.each([
    ['urls.txt', 'urls', 2],
    ['products.csv', 'csv', 2],
    ['products.jsonl', 'jsonl', 2],
  ])('%s parses cleanly as %s', async (file, format, count) => {
    // Prepare
    const full = path.join(dir, file);

    // Act
    const parsed = await readCatalogFile(full);

    // Assess
    expect(parsed.format).toBe(format);
    expect(parsed.products).toHaveLength(count);
    expect(parsed.errors).toEqual([]);
    expect(parsed.warnings).toEqual([]);
  });

  it('gives the same product in CSV and JSON Lines the same images and metadata', async () => {
    // Prepare
    const files = ['products.csv', 'products.jsonl'].map((f) => path.join(dir, f));

    // Act
    const [csv, jsonl] = await Promise.all(files.map((f) => readCatalogFile(f)));

    // Assess
    const strip = (p: { id: string; images: string[]; metadata: object } | undefined) => [
      p?.id,
      p?.images,
      p?.metadata,
    ];
    expect(strip(csv?.products[0])).toEqual(strip(jsonl?.products[0]));
  });
});
