import { describe, expect, it } from 'vitest';
import { parseCatalog } from '#core/catalog/parse.ts';

const parse = (lines: string[]) => parseCatalog(lines.join('\n'), { file: 'cat.jsonl' });

describe('JSON Lines catalogs', () => {
  it('reads id, images in order and metadata; a numeric id becomes a string', () => {
    // Prepare
    const lines = [
      '{"id": "p1", "images": ["https://a.example/1b.jpg", "https://a.example/1a.jpg"], "name": "Red shirt", "price": 19.5}',
      '',
      '{"id": 42, "images": ["https://a.example/42.jpg"], "color": "navy", "price": "7", "stock": 3, "note": null}',
    ];

    // Act
    const result = parse(lines);

    // Assess
    expect(result.format).toBe('jsonl');
    expect(result.errors).toEqual([]);
    expect(result.products).toEqual([
      {
        id: 'p1',
        images: ['https://a.example/1b.jpg', 'https://a.example/1a.jpg'],
        metadata: { name: 'Red shirt', price: 19.5 },
        source: { file: 'cat.jsonl', line: 1 },
      },
      {
        id: '42',
        images: ['https://a.example/42.jpg'],
        metadata: { color: 'navy', price: 7, stock: 3 },
        source: { file: 'cat.jsonl', line: 3 },
      },
    ]);
  });

  it('reports every kind of bad line with its line number and keeps the good ones', () => {
    // Prepare
    const lines = [
      '{"id": "p1", "images": ["https://a.example/1.jpg"]}',
      '{"id": "p1", "images": ["https://a.example/other.jpg"]}',
      '{"id": "p2", "images": []}',
      '{"images": ["https://a.example/3.jpg"]}',
      '{"id": {"sku": 1}, "images": ["https://a.example/4.jpg"]}',
      '{"id": "p5", "images": ["https://a.example/5.jpg"], "attrs": {"size": "M"}, "tags": ["a"], "sale": true}',
      '{"id": "p6", "images": ["https://a.example/6.jpg", 7, "javascript:alert(1)"]}',
      '{"id": "p7", "images": ["https://a.example/7.jpg"]',
      '["p8"]',
    ];

    // Act
    const result = parse(lines);

    // Assess
    expect(result.products.map((p) => [p.id, p.images.length, p.metadata])).toEqual([
      ['p1', 1, {}],
      ['p5', 1, {}],
      ['p6', 1, {}],
    ]);
    expect(result.errors.map(String)).toEqual([
      'cat.jsonl:2: duplicate product id "p1" (first on line 1); line skipped',
      'cat.jsonl:3: product "p2": "images" must be a non-empty array of URL strings',
      'cat.jsonl:4: missing "id"',
      'cat.jsonl:5: product id must be a string or a number, got an object',
      'cat.jsonl:6: field "attrs" must be a string or a number, got an object; field ignored',
      'cat.jsonl:6: field "tags" must be a string or a number, got an array; field ignored',
      'cat.jsonl:6: field "sale" must be a string or a number, got a boolean; field ignored',
      'cat.jsonl:7: product "p6": images[1] must be a string',
      'cat.jsonl:7: image URL "javascript:alert(1)" uses the scheme "javascript:"; only http and https are allowed',
      expect.stringMatching(/^cat\.jsonl:8: invalid JSON: /),
      'cat.jsonl:9: each line must be a JSON object like {"id": "p1", "images": ["https://..."]}',
    ]);
  });

  it('quotes a numeric id too large to be exact as the file writes it, not rounded', () => {
    // Prepare
    const lines = [
      '{"images": ["https://a.example/1.jpg"], "meta": {"id": 1}, "note": "\\"id\\": 2", "id": 12345678901234567890}',
      '{"id": -98765432109876543210, "images": ["https://a.example/2.jpg"]}',
    ];

    // Act
    const result = parse(lines);

    // Assess
    expect(result.products).toEqual([]);
    expect(result.errors.map(String)).toEqual([
      'cat.jsonl:1: product id 12345678901234567890 is a number too large to be exact (over 9007199254740991); ' +
        'write it as a string ("12345678901234567890")',
      'cat.jsonl:2: product id -98765432109876543210 is a number too large to be exact (over 9007199254740991); ' +
        'write it as a string ("-98765432109876543210")',
    ]);
  });

  it('refuses a __proto__ key without touching the metadata prototype', () => {
    // Prepare
    const lines = ['{"id": "p1", "images": ["https://a.example/1.jpg"], "__proto__": "x", "name": "ok"}'];

    // Act
    const result = parse(lines);

    // Assess
    const metadata = result.products[0]?.metadata;
    expect(metadata).toEqual({ name: 'ok' });
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(result.errors.map(String)).toEqual([
      'cat.jsonl:1: metadata field name "__proto__" is not allowed',
    ]);
  });
});

describe('JSON Lines reserved keys', () => {
  it('ignores, with a warning, a key the search API sets itself, like a CSV column', () => {
    // Prepare
    const lines = [
      '{"id": "p1", "images": ["https://a.example/1.jpg"], "score": 5, "imagesUsed": 9, " id ": "x", "name": "Shirt"}',
    ];

    // Act
    const result = parse(lines);

    // Assess
    expect(result.errors).toEqual([]);
    expect(result.products[0]?.metadata).toEqual({ name: 'Shirt' });
    expect(result.warnings.map(String)).toEqual([
      'cat.jsonl:1: key "score" is a name the search API uses itself; its value is ignored',
      'cat.jsonl:1: key "imagesUsed" is a name the search API uses itself; its value is ignored',
      'cat.jsonl:1: key " id " is a name the search API uses itself; its value is ignored',
    ]);
  });
});
