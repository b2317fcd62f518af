import { describe, expect, it } from 'vitest';
import { CatalogFormatError } from '#core/catalog/catalog-error.ts';
import { parseCatalog } from '#core/catalog/parse.ts';

const parse = (text: string) => parseCatalog(text, { file: 'cat.csv' });

describe('product CSV catalogs', () => {
  it('collects rows by product_id in row order and carries metadata, price as a number', () => {
    // Prepare
    const text = [
      'product_id,image_url,name,category,color,price,product_url,fabric',
      'p1,https://a.example/1a.jpg,Red striped shirt,tops,red,19.99,https://shop.example/p1,cotton',
      'p2,https://a.example/2a.jpg,Blue skirt,bottoms,blue,25,,',
      'p1,https://a.example/1b.jpg,,,,,,',
    ].join('\n');

    // Act
    const result = parse(text);

    // Assess
    expect(result.format).toBe('csv');
    expect(result.errors).toEqual([]);
    expect(result.products).toEqual([
      {
        id: 'p1',
        images: ['https://a.example/1a.jpg', 'https://a.example/1b.jpg'],
        metadata: {
          name: 'Red striped shirt',
          category: 'tops',
          color: 'red',
          price: 19.99,
          product_url: 'https://shop.example/p1',
          fabric: 'cotton',
        },
        source: { file: 'cat.csv', line: 2 },
      },
      {
        id: 'p2',
        images: ['https://a.example/2a.jpg'],
        metadata: { name: 'Blue skirt', category: 'bottoms', color: 'blue', price: 25 },
        source: { file: 'cat.csv', line: 3 },
      },
    ]);
  });

  it('handles quoted commas, doubled quotes, BOM, CRLF and a line break inside a quoted name', () => {
    // Prepare
    const text =
      '\ufeffproduct_id,image_url,name\r\n' +
      'p1,https://a.example/1.jpg,"Shirt, red, ""slim"""\r\n' +
      'p2,https://a.example/2.jpg,"Two\r\nlines"\r\n' +
      'p3,https://a.example/3.jpg,Plain\r\n';

    // Act
    const result = parse(text);

    // Assess
    expect(result.errors).toEqual([]);
    expect(result.products.map((p) => [p.id, p.metadata.name, p.source?.line])).toEqual([
      ['p1', 'Shirt, red, "slim"', 2],
      ['p2', 'Two\nlines', 3],
      ['p3', 'Plain', 5],
    ]);
  });

  it('keeps the image when the price is bad, dropping only the price', () => {
    // Prepare
    const text = 'product_id,image_url,price\np1,https://a.example/1.jpg,$12\n';

    // Act
    const result = parse(text);

    // Assess
    expect(result.products[0]?.images).toEqual(['https://a.example/1.jpg']);
    expect(result.products[0]?.metadata).toEqual({});
    expect(result.errors.map(String)).toEqual([
      'cat.csv:2: field "price" must be a number like 19.99, got "$12"; field ignored',
    ]);
  });

  it('reports each bad row with its physical line and reads the rows after it', () => {
    // Prepare
    const text = [
      'product_id,image_url,name',
      '',
      ',https://a.example/0.jpg,No id',
      'p1,data:image/png;base64,AAAA,x',
      'p1,https://a.example/1.jpg,Too,many,fields',
      'p2,"https://a.example/2.jpg"junk,Bad quote',
      'p3,"https://a.example/3.jpg,Never closed',
      'p4,https://a.example/4.jpg,Fine',
    ].join('\n');

    // Act
    const result = parse(text);

    // Assess
    expect(result.products.map((p) => p.id)).toEqual(['p4']);
    expect(result.errors.map(String)).toEqual([
      'cat.csv:3: product_id is empty; row skipped',
      'cat.csv:4: row has 4 fields but the header has 3 (a value with a comma must be "quoted"); row skipped',
      'cat.csv:5: row has 5 fields but the header has 3 (a value with a comma must be "quoted"); row skipped',
      'cat.csv:6: a closing quote is followed by other characters (write "" for a quote inside a quoted field); row skipped',
      'cat.csv:7: a quoted field is never closed; row skipped',
    ]);
  });

  it.each([
    [';', 'semicolon'],
    ['\t', 'tab'],
  ])('names the separator %j in the hint for a row with an extra field', (sep, name) => {
    // Prepare
    const text = [
      ['product_id', 'image_url', 'name'].join(sep),
      ['p1', 'https://a.example/1.jpg', 'Shirt', 'red'].join(sep),
    ].join('\n');

    // Act
    const result = parse(text);

    // Assess
    expect(result.errors.map(String)).toEqual([
      `cat.csv:2: row has 4 fields but the header has 3 (a value with a ${name} must be "quoted"); row skipped`,
    ]);
  });

  it('says a negative price must not be negative', () => {
    // Prepare
    const text = 'product_id,image_url,price\np1,https://a.example/1.jpg,-3\n';

    // Act
    const result = parse(text);

    // Assess
    expect(result.products[0]?.metadata).toEqual({});
    expect(result.errors.map(String)).toEqual([
      'cat.csv:2: field "price" must not be negative, got "-3"; field ignored',
    ]);
  });

  it('refuses only the row of a stray opening quote and keeps the 9,999 others of a 10,000-row CSV', () => {
    // Prepare
    const rows = Array.from(
      { length: 10_000 },
      (_, i) => `q${i + 1},https://a.example/${i + 1}.jpg,Plain ${i + 1}`,
    );
    rows[1] = 'q2,https://a.example/2.jpg,"Best seller';
    rows[4999] = 'q5000,https://a.example/5000.jpg,"Shirt, red"';
    const text = ['product_id,image_url,name', ...rows].join('\n');

    // Act
    const result = parse(text);

    // Assess
    expect(result.errors.map(String)).toEqual([
      'cat.csv:3: a quoted field in this row is not closed on its line (a stray "?); read as a multi-line value ' +
        'it fails on line 5001: a closing quote is followed by other characters (write "" for a quote inside a ' +
        'quoted field); row skipped',
    ]);
    expect(result.products).toHaveLength(9999);
    expect(result.products.map((p) => p.id).slice(0, 3)).toEqual(['q1', 'q3', 'q4']);
    const q5000 = result.products.find((p) => p.id === 'q5000');
    expect([q5000?.metadata.name, q5000?.source?.line]).toEqual(['Shirt, red', 5001]);
  });

  it('refuses the row of a stray quote that a later quote closes cleanly, instead of swallowing the rows between', () => {
    // Prepare
    const text = [
      'product_id,image_url,name',
      'q1,https://a.example/1.jpg,"Best seller',
      'q2,https://a.example/2.jpg,Plain',
      'q3,https://a.example/3.jpg,Size 10"',
      'q4,https://a.example/4.jpg,Plain',
    ].join('\n');

    // Act
    const result = parse(text);

    // Assess
    expect(result.errors.map(String)).toEqual([
      'cat.csv:2: a quoted field in this row is not closed on its line (a stray "?): read as a multi-line value ' +
        'it swallows line 3, which reads as a product row; row skipped',
    ]);
    expect(result.products.map((p) => [p.id, p.metadata.name])).toEqual([
      ['q2', 'Plain'],
      ['q3', 'Size 10"'],
      ['q4', 'Plain'],
    ]);
  });

  it('names a leftover line of a broken multi-line value and keeps the rows after it', () => {
    // Prepare
    const text = [
      'product_id,image_url,name',
      'p1,https://a.example/1.jpg,"Two',
      'lines"x',
      'p2,https://a.example/2.jpg,Plain',
    ].join('\n');

    // Act
    const result = parse(text);

    // Assess
    expect(result.products.map((p) => p.id)).toEqual(['p2']);
    expect([...new Set(result.errors.map((e) => e.line))]).toEqual([2, 3]);
    expect(String(result.errors[0])).toContain(
      'cat.csv:2: a quoted field in this row is not closed on its line',
    );
  });

  it('refuses images past the per-product cap and duplicate images', () => {
    // Prepare
    const rows = Array.from({ length: 21 }, (_, i) => `p1,https://a.example/${i}.jpg`);
    const text = ['product_id,image_url', 'p1,https://a.example/0.jpg', ...rows].join('\n');

    // Act
    const result = parse(text);

    // Assess
    expect(result.products[0]?.images).toHaveLength(20);
    expect(result.warnings.map(String)).toEqual([
      'cat.csv:3: product "p1" lists image "https://a.example/0.jpg" twice; ignored',
    ]);
    expect(result.errors.map(String)).toEqual([
      'cat.csv:23: product "p1" has more than 20 images; image "https://a.example/20.jpg" ignored',
    ]);
  });

  it('warns when a later row contradicts a product field and keeps the first value', () => {
    // Prepare
    const text =
      'product_id,image_url,color\np1,https://a.example/1.jpg,red\np1,https://a.example/2.jpg,blue\n';

    // Act
    const result = parse(text);

    // Assess
    expect(result.products[0]?.metadata).toEqual({ color: 'red' });
    expect(result.warnings.map(String)).toEqual([
      'cat.csv:3: product "p1" field "color" is "blue" here but "red" earlier; keeping the first',
    ]);
  });

  it('throws for a header with a repeated column', () => {
    // Prepare
    const repeated = 'product_id,image_url,Name,name\np1,https://a.example/1.jpg,a,b\n';

    // Act
    const attempt = () => parse(repeated);

    // Assess
    expect(attempt).toThrow(new CatalogFormatError('cat.csv', 1, 'CSV header names column "name" twice'));
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'ignores a column named %s with one warning and ingests the rest, as JSON Lines drops such a key',
    (name) => {
      // Prepare
      const text = `product_id,image_url,${name},name\np1,https://a.example/1.jpg,x,Shirt\np2,https://a.example/2.jpg,y,Skirt\n`;

      // Act
      const result = parse(text);

      // Assess
      expect(result.errors).toEqual([]);
      expect(result.warnings.map(String)).toEqual([
        `cat.csv:1: CSV column 3: metadata field name "${name}" is not allowed; its values are ignored`,
      ]);
      expect(result.products.map((p) => [p.id, p.metadata])).toEqual([
        ['p1', { name: 'Shirt' }],
        ['p2', { name: 'Skirt' }],
      ]);
      expect(Object.getPrototypeOf(result.products[0]?.metadata)).toBe(Object.prototype);
    },
  );

  it('throws when a CSV read as csv lacks image_url', () => {
    // Prepare
    const text = 'product_id,picture\np1,https://a.example/1.jpg\n';

    // Act
    const attempt = () => parseCatalog(text, { file: 'cat.csv', format: 'csv' });

    // Assess
    expect(attempt).toThrow('cat.csv:1: CSV header lacks image_url (found: "product_id", "picture")');
  });
});
