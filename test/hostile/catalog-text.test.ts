import { describe, expect, it } from 'vitest';
import { CatalogFormatError } from '#core/catalog/catalog-error.ts';
import { parseCatalog } from '#core/catalog/parse.ts';

const parse = (text: string, options: { groupSize?: number; format?: 'csv' | 'jsonl' | 'urls' } = {}) =>
  parseCatalog(text, { file: 'cat', ...options });
const messages = (r: { errors: unknown[] }) => r.errors.map(String);

describe('hostile catalogs: CSV headers and line endings', () => {
  it('accepts a header with odd case, spaces around cells, quoted names and a BOM', () => {
    // Prepare
    const text =
      '\ufeff Product_ID , "IMAGE_URL" , "Name" ,Colour\r\n' +
      'p1 , "https://a.example/1.jpg" , "Shirt, red" , navy\r\n';
    // Act
    const result = parse(text);
    // Assess
    expect(result.format).toBe('csv');
    expect(messages(result)).toEqual([]);
    expect(result.products).toEqual([
      {
        id: 'p1',
        images: ['https://a.example/1.jpg'],
        metadata: { name: 'Shirt, red', Colour: 'navy' },
        source: { file: 'cat', line: 2 },
      },
    ]);
  });

  it('reads a semicolon- or tab-separated product CSV (spreadsheet exports)', () => {
    // Prepare
    const semicolon = 'product_id;image_url;price\np1;https://a.example/1.jpg;"19.5"\n';
    const tab = 'product_id\timage_url\tname\np1\thttps://a.example/1.jpg\tShirt; red\n';
    // Act
    const a = parse(semicolon);
    const b = parse(tab);
    // Assess
    expect([a.format, b.format]).toEqual(['csv', 'csv']);
    expect(a.products.map((p) => [p.id, p.images, p.metadata])).toEqual([
      ['p1', ['https://a.example/1.jpg'], { price: 19.5 }],
    ]);
    expect(b.products.map((p) => p.metadata)).toEqual([{ name: 'Shirt; red' }]);
  });

  it.each([
    ['CR only (old Mac)', '\r'],
    ['CRLF', '\r\n'],
    ['LF', '\n'],
  ])('reads every format with %s line endings and names the right lines', (_, nl) => {
    // Prepare
    const csv = ['product_id,image_url', 'p1,https://a.example/1.jpg', 'p2,nope', ''].join(nl);
    const jsonl = ['{"id":"p1","images":["https://a.example/1.jpg"]}', '', '{"id":"p2"}', ''].join(nl);
    const urls = ['https://a.example/1.jpg', 'https://a.example/2.jpg', '', 'nope', ''].join(nl);
    // Act
    const results = [parse(csv), parse(jsonl), parse(urls, { groupSize: 3 })];
    // Assess
    expect(results.map((r) => r.format)).toEqual(['csv', 'jsonl', 'urls']);
    expect(results.map((r) => r.products.length)).toEqual([1, 1, 1]);
    expect(results[0]?.errors.map((e) => e.line)).toEqual([3, 3]);
    expect(results[1]?.errors.map((e) => e.line)).toEqual([3]);
    expect(results[2]?.errors.map((e) => e.line)).toEqual([4]);
    expect(results[2]?.products[0]?.images).toEqual(['https://a.example/1.jpg', 'https://a.example/2.jpg']);
  });

  it('keeps a metadata column named like an Object method (toString, valueOf)', () => {
    // Prepare
    const text = 'product_id,image_url,toString,valueOf\np1,https://a.example/1.jpg,a,b\n';
    // Act
    const result = parse(text);
    // Assess
    expect(result.warnings.map(String)).toEqual([]);
    expect(result.products[0]?.metadata).toEqual({ toString: 'a', valueOf: 'b' });
  });

  it('ignores, with a warning, a column whose name the API reserves (id, score, images, imagesUsed)', () => {
    // Prepare
    const text = 'product_id,image_url,score,name\np1,https://a.example/1.jpg,5,Shirt\n';
    // Act
    const result = parse(text);
    // Assess
    expect(result.products[0]?.metadata).toEqual({ name: 'Shirt' });
    expect(result.warnings.map(String)).toEqual([
      'cat:1: CSV column 3 "score" is a name the search API uses itself; its values are ignored',
    ]);
  });
});

describe('hostile catalogs: URLs', () => {
  it('refuses every non-http scheme, naming the scheme and the line', () => {
    // Prepare
    const schemes = [
      'javascript:alert(1)',
      'data:image/png;base64,iVBORw0KGgo=',
      'file:///etc/passwd',
      'ftp://files.example/a.jpg',
      'blob:https://a.example/1',
      'ws://a.example/1.jpg',
    ];
    // Act
    const result = parse(schemes.join('\n'), { groupSize: 1 });
    // Assess
    expect(result.products).toEqual([]);
    const schemeErrors = result.errors.filter((e) => e.message.includes('scheme'));
    expect(schemeErrors.map((e) => [e.line, /"([a-z]+:)"/.exec(e.message)?.[1]])).toEqual([
      [1, 'javascript:'],
      [2, 'data:'],
      [3, 'file:'],
      [4, 'ftp:'],
      [5, 'blob:'],
      [6, 'ws:'],
    ]);
  });

  it('encodes spaces, converts unicode hosts to punycode and refuses a 3000-character query string', () => {
    // Prepare
    const long = `https://a.example/1.jpg?${'x'.repeat(3000)}`;
    const text = ['https://a.example/a b.jpg', 'https://bücher.example/ä.jpg', long].join('\n');
    // Act
    const result = parse(text, { groupSize: 1 });
    // Assess
    expect(result.products.map((p) => p.images[0])).toEqual([
      'https://a.example/a%20b.jpg',
      'https://xn--bcher-kva.example/%C3%A4.jpg',
    ]);
    expect(String(result.errors[0])).toBe('cat:3: image URL is 3024 characters long; the limit is 2048');
  });

  it('refuses a line or cell holding several URLs glued together, but keeps commas inside one URL', () => {
    // Prepare
    const text = [
      'https://a.example/1.jpg,https://a.example/2.jpg',
      'https://a.example/1.jpg https://a.example/2.jpg',
      'https://res.example/upload/w_300,h_200,c_crop/shirt.jpg',
      'https://img.example/fetch/https://origin.example/shirt.jpg',
    ].join('\n');
    // Act
    const result = parse(text, { groupSize: 1, format: 'urls' });
    // Assess
    expect(result.products.map((p) => p.images[0])).toEqual([
      'https://res.example/upload/w_300,h_200,c_crop/shirt.jpg',
      'https://img.example/fetch/https://origin.example/shirt.jpg',
    ]);
    expect(result.errors.filter((e) => e.message.includes('several URLs')).map((e) => e.line)).toEqual([
      1, 2,
    ]);
  });

  it('drops fragments, which never reach the server, so #front and #back are one image', () => {
    // Prepare
    const text = 'https://a.example/1.jpg#front\nhttps://a.example/1.jpg#back\nhttps://a.example/2.jpg';
    // Act
    const result = parse(text, { groupSize: 3 });
    // Assess
    expect(result.products[0]?.images).toEqual(['https://a.example/1.jpg', 'https://a.example/2.jpg']);
    expect(result.warnings.map(String)).toEqual([
      'cat:2: product "p-9b51940d3d28" lists image "https://a.example/1.jpg" twice; ignored',
    ]);
  });

  it('reads 10,000 copies of one URL with unique ids and one image per product', () => {
    // Prepare
    const text = 'https://a.example/same.jpg\n'.repeat(10_000);
    // Act
    const singles = parse(text, { groupSize: 1 });
    const triples = parse(text, { groupSize: 3 });
    const csv = parse(`product_id,image_url\n${'p1,https://a.example/same.jpg\n'.repeat(10_000)}`);
    // Assess
    expect(singles.products).toHaveLength(10_000);
    expect(new Set(singles.products.map((p) => p.id)).size).toBe(10_000);
    expect(triples.products.every((p) => p.images.length === 1)).toBe(true);
    expect(csv.products).toEqual([
      expect.objectContaining({ id: 'p1', images: ['https://a.example/same.jpg'] }),
    ]);
  });
});

describe('hostile catalogs: JSON Lines', () => {
  it('names the line of a trailing comma and keeps the other lines', () => {
    // Prepare
    const text =
      '{"id":"p1","images":["https://a.example/1.jpg"],}\n{"id":"p2","images":["https://a.example/2.jpg"]}';
    // Act
    const result = parse(text);
    // Assess
    expect(result.products.map((p) => p.id)).toEqual(['p2']);
    expect(messages(result)).toEqual([expect.stringMatching(/^cat:1: invalid JSON: /)]);
  });

  it('refuses a top-level JSON array or a pretty-printed document with a hint, not a flood of line errors', () => {
    // Prepare
    const array = '[\n  {"id": "p1", "images": ["https://a.example/1.jpg"]}\n]\n';
    const pretty = '{\n  "id": "p1",\n  "images": ["https://a.example/1.jpg"]\n}\n';
    // Act
    const attempts = [() => parse(array), () => parse(pretty)];
    // Assess
    expect(attempts[0]).toThrow(CatalogFormatError);
    expect(attempts[0]).toThrow(
      'cat:1: JSON arrays are not supported; write one object per line (JSON Lines)',
    );
    expect(attempts[1]).toThrow(CatalogFormatError);
    expect(attempts[1]).toThrow(/cat:1: this is one JSON document spread over 4 lines.*one object per line/);
  });

  it('treats ids 1 and "1" as the same product, and refuses numeric ids that are not exact integers', () => {
    // Prepare
    const text = [
      '{"id":1,"images":["https://a.example/1.jpg"]}',
      '{"id":"1","images":["https://a.example/2.jpg"]}',
      '{"id":12345678901234567890,"images":["https://a.example/3.jpg"]}',
      '{"id":12345678901234567891,"images":["https://a.example/4.jpg"]}',
      '{"id":1.5,"images":["https://a.example/5.jpg"]}',
      '{"id":-7,"images":["https://a.example/6.jpg"]}',
    ].join('\n');
    // Act
    const result = parse(text);
    // Assess
    expect(result.products.map((p) => p.id)).toEqual(['1', '-7']);
    expect(messages(result)).toEqual([
      'cat:2: duplicate product id "1" (first on line 1); line skipped',
      'cat:3: product id 12345678901234567890 is a number too large to be exact (over 9007199254740991); write it as a string ("12345678901234567890")',
      'cat:4: product id 12345678901234567891 is a number too large to be exact (over 9007199254740991); write it as a string ("12345678901234567891")',
      'cat:5: product id 1.5 is not a whole number; write it as a string ("...")',
    ]);
  });

  it('survives absurd nesting and huge arrays in metadata without crashing', () => {
    // Prepare
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const text = [
      `{"id":"p1","images":["https://a.example/1.jpg"],"x":${deep}}`,
      `{"id":"p2","images":["https://a.example/2.jpg"],"y":{"a":{"b":{"c":1}}}}`,
      `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`,
    ].join('\n');
    // Act
    const result = parse(text);
    // Assess
    expect(result.products.map((p) => [p.id, p.metadata])).toEqual([
      ['p1', {}],
      ['p2', {}],
    ]);
    expect(result.errors.map((e) => e.line)).toEqual([1, 2, 3]);
  });
});
