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
    ['a URL with commas in its query', 'https://a.example/1.jpg?rect=0,0,100,100\n', 'urls'],
    ['a URL with commas in its file name', 'https://a.example/41a._CR,0,0,38,50_.jpg\n', 'urls'],
    ['a quoted URL with a comma', '"https://a.example/a,b.jpg"\n', 'urls'],
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
    [
      'a CSV header separated by semicolons without product_id and image_url',
      'URL;Name\nhttps://a.example/1.jpg;Red shirt\n',
      'x:1: this looks like a CSV header, but a product CSV needs the columns product_id and image_url',
    ],
    ...[
      [
        'URL first',
        'http://127.0.0.1:8765/h1.jpg,Red shirt,19.99\nhttp://127.0.0.1:8765/h2.jpg,Blue pants,20\n',
        '","',
      ],
      ['a URL without a file extension first', 'https://a.example/items/12345,Green,5\n', '","'],
      ['id first', 'h1,https://a.example/h1.jpg,Red shirt\n', '","'],
      ['tab-separated', 'https://a.example/h1.jpg\tRed shirt\n', 'tabs'],
    ].map(([what, text, separator]) => [
      `a CSV without a header row (${what})`,
      text as string,
      `x:1: this looks like a CSV row without a header (fields separated by ${separator}), and a URL list has ` +
        'one image URL per line and nothing else; add a header line naming the columns, at least product_id ' +
        'and image_url (e.g. product_id,image_url,name,price)',
    ]),
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
