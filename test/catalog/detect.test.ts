import { describe, expect, it } from 'vitest';
import { CatalogFormatError } from '#core/catalog/catalog-error.ts';
import { detectFormat } from '#core/catalog/detect.ts';
import { parseCatalog } from '#core/catalog/parse.ts';

describe('format detection', () => {
  it.each([
    ['JSON Lines', '\n\n{"id": 1, "images": ["https://a.example/1.jpg"]}\n', 'jsonl'],
    ['a product CSV header in any case and quoting', '\ufeff"Product_ID", "IMAGE_URL",name\r\n', 'csv'],
    ['a bare URL list', 'https://a.example/1.jpg\nhttps://a.example/2.jpg\n', 'urls'],
    ['a one-column CSV with a url header', 'url\nhttps://a.example/1.jpg\n', 'urls'],
    ['a URL containing commas', 'https://a.example/img,w_400,h_600/1.jpg\n', 'urls'],
  ])('recognises %s', (_name, text, expected) => {
    // Prepare: text from the table

    // Act
    const format = detectFormat(text, 'x');

    // Assess
    expect(format).toBe(expected);
  });

  it.each([
    ['an empty file', '', 'x:1: the catalog is empty (no non-blank lines)'],
    [
      'a file of blank lines and a BOM',
      '\ufeff\r\n  \n\t\n',
      'x:1: the catalog is empty (no non-blank lines)',
    ],
    [
      'a JSON array',
      '\n[{"id": 1}]',
      'x:2: JSON arrays are not supported; write one object per line (JSON Lines)',
    ],
    [
      'a CSV header without product_id',
      'sku,image_url,name\n',
      'x:1: this looks like a CSV header, but a product CSV needs the columns product_id and image_url ' +
        '(a plain URL list has one image URL per line)',
    ],
  ])('refuses %s with a clear error', (_name, text, message) => {
    // Prepare: text from the table

    // Act
    const attempt = () => parseCatalog(text, { file: 'x' });

    // Assess
    expect(attempt).toThrow(CatalogFormatError);
    expect(attempt).toThrow(message);
  });

  it('lets an explicit format override detection', () => {
    // Prepare
    const text = 'https://a.example/1.jpg\n';

    // Act
    const result = parseCatalog(text, { file: 'x', format: 'jsonl' });

    // Assess
    expect(result.format).toBe('jsonl');
    expect(result.products).toEqual([]);
    expect(result.errors.map((e) => e.line)).toEqual([1]);
  });

  it.each([0, 21, 2.5])('refuses groupSize %s', (groupSize) => {
    // Prepare
    const text = 'https://a.example/1.jpg\n';

    // Act
    const attempt = () => parseCatalog(text, { file: 'x', groupSize });

    // Assess
    expect(attempt).toThrow(`x:1: groupSize must be a whole number from 1 to 20, got ${groupSize}`);
  });
});
