import { describe, expect, it } from 'vitest';
import { parseCatalog } from '#core/catalog/parse.ts';

const url = (p: number, i: number) => `https://cdn.example.com/p${p}/${i}.jpg`;

describe('URL list catalogs', () => {
  it('groups every three lines into one product, keeping image order', () => {
    // Prepare
    const text = [url(1, 1), url(1, 2), url(1, 3), url(2, 1), url(2, 2), url(2, 3)].join('\n');

    // Act
    const result = parseCatalog(text, { file: 'list.txt' });

    // Assess
    expect(result.format).toBe('urls');
    expect(result.products.map((p) => p.images)).toEqual([
      [url(1, 1), url(1, 2), url(1, 3)],
      [url(2, 1), url(2, 2), url(2, 3)],
    ]);
    expect(result.products.map((p) => p.source)).toEqual([
      { file: 'list.txt', line: 1 },
      { file: 'list.txt', line: 4 },
    ]);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('derives ids from the first image, so they survive products being removed elsewhere', () => {
    // Prepare
    const full = [url(1, 1), url(1, 2), url(2, 1), url(2, 2), url(3, 1), url(3, 2)].join('\n');
    const withoutFirst = [url(2, 1), url(2, 2), url(3, 1), url(3, 2)].join('\n');

    // Act
    const a = parseCatalog(full, { file: 'a.txt', groupSize: 2 });
    const b = parseCatalog(withoutFirst, { file: 'b.txt', groupSize: 2 });

    // Assess
    expect(a.products[0]?.id).toMatch(/^p-[0-9a-f]{12}$/);
    expect(new Set(a.products.map((p) => p.id)).size).toBe(3);
    expect(b.products.map((p) => p.id)).toEqual(a.products.slice(1).map((p) => p.id));
  });

  it('skips a header and blank lines, tolerates CRLF, BOM and quoted single-column CSV values', () => {
    // Prepare
    const text = `\ufeffimage_url\r\n\r\n"${url(1, 1)}"\r\n${url(1, 2)}\r\n   \r\n${url(1, 3)}\r\n`;

    // Act
    const result = parseCatalog(text, { file: 'list.csv' });

    // Assess
    expect(result.products).toHaveLength(1);
    expect(result.products[0]?.images).toEqual([url(1, 1), url(1, 2), url(1, 3)]);
    expect(result.products[0]?.source?.line).toBe(3);
    expect(result.errors).toEqual([]);
  });

  it('keeps a bad line in its slot, so the products after it keep their grouping', () => {
    // Prepare
    const text = [url(1, 1), 'not a url', url(1, 3), url(2, 1), url(2, 2), url(2, 3)].join('\n');

    // Act
    const result = parseCatalog(text, { file: 'list.txt' });

    // Assess
    expect(result.products.map((p) => p.images)).toEqual([
      [url(1, 1), url(1, 3)],
      [url(2, 1), url(2, 2), url(2, 3)],
    ]);
    expect(result.errors.map(String)).toEqual([
      'list.txt:2: image URL "not a url" is not an absolute URL (expected http://... or https://...)',
    ]);
  });

  it('keeps a short last group as a product and warns about it', () => {
    // Prepare
    const text = [url(1, 1), url(1, 2), url(1, 3), url(2, 1), url(2, 2)].join('\n');

    // Act
    const result = parseCatalog(text, { file: 'list.txt' });

    // Assess
    expect(result.products[1]?.images).toEqual([url(2, 1), url(2, 2)]);
    expect(result.warnings.map(String)).toEqual([
      expect.stringMatching(/^list\.txt:4: last product "p-[0-9a-f]{12}" has 2 image\(s\), not 3/),
    ]);
  });

  it('drops a group with no usable image and says so on its first line', () => {
    // Prepare
    const text = ['ftp://a/1', '/relative.jpg', url(2, 1)].join('\n');

    // Act
    const result = parseCatalog(text, { file: 'list.txt', groupSize: 2 });

    // Assess
    expect(result.products).toHaveLength(1);
    expect(result.errors.map((e) => [e.line, e.message])).toEqual([
      [1, expect.stringContaining('uses the scheme "ftp:"; only http and https are allowed')],
      [1, expect.stringMatching(/^product "p-[0-9a-f]{12}" has no usable image; product skipped$/)],
      [2, expect.stringContaining('"/relative.jpg" is not an absolute URL')],
    ]);
  });

  it('refuses a line holding a URL and other fields (a CSV row), keeping its slot, instead of mangling the URL', () => {
    // Prepare
    const text = ['url', url(1, 1), `${url(1, 2)},Red shirt,19.99`, url(1, 3), url(2, 1)].join('\n');

    // Act
    const result = parseCatalog(text, { file: 'list.txt', groupSize: 2 });

    // Assess
    expect(result.products.map((p) => p.images)).toEqual([[url(1, 1)], [url(1, 3), url(2, 1)]]);
    expect(result.errors.map(String)).toEqual([
      'list.txt:3: this line holds several fields separated by ",", and a URL list has one image URL per line ' +
        'and nothing else (for a CSV, add a header line naming product_id and image_url); image skipped',
    ]);
  });

  it('gives a repeated group a distinct id and warns', () => {
    // Prepare
    const text = [url(1, 1), url(1, 2), url(1, 1), url(1, 3)].join('\n');

    // Act
    const result = parseCatalog(text, { file: 'list.txt', groupSize: 2 });

    // Assess
    const [first, second] = result.products;
    expect(second?.id).toBe(`${first?.id}-2`);
    expect(result.warnings.map(String)).toEqual([
      `list.txt:3: this product starts with the same image as the product on line 1; its id is ${second?.id}`,
    ]);
  });
});
