import { describe, expect, it } from 'vitest';
import { CATALOG_LIMITS } from '#core/catalog/limits.ts';
import { parseCatalog } from '#core/catalog/parse.ts';

const parse = (text: string) => parseCatalog(text, { file: 'cat.csv' });
const good = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${i},https://a.example/${prefix}/${i}.jpg,ok`);
const stray = (n: number) =>
  Array.from({ length: n }, (_, i) => `sy-${i},https://a.example/sy/${i}.jpg,"never closed`);

describe('CSV catalogs with many syntax errors', () => {
  it('reads the rows after 150 stray quotes, listing 100 of them and summing up the other 50', () => {
    // Prepare
    const text = [
      'product_id,image_url,name',
      ...good('before', 50),
      ...stray(150),
      ...good('after', 50),
    ].join('\n');

    // Act
    const result = parse(text);

    // Assess
    expect(result.products.map((p) => p.id)).toEqual([
      ...good('before', 50).map((row) => row.split(',')[0]),
      ...good('after', 50).map((row) => row.split(',')[0]),
    ]);
    expect(result.errors).toHaveLength(CATALOG_LIMITS.maxCsvSyntaxErrorsListed + 1);
    expect(result.errors.slice(0, 100).map((e) => e.line)).toEqual(
      Array.from({ length: 100 }, (_, i) => 52 + i),
    );
    expect(String(result.errors[100])).toBe(
      'cat.csv:152: and 50 more rows on lines 152 to 201 refused for CSV syntax errors (a stray or unclosed "), ' +
        'not listed one by one (only the first 100 are); the other rows were read',
    );
  });

  it('keeps the problems list bounded for 20,000 stray quotes and still reads the row after them', () => {
    // Prepare
    const text = ['product_id,image_url,name', ...stray(20_000), ...good('last', 1)].join('\n');

    // Act
    const result = parse(text);

    // Assess
    expect(result.products.map((p) => [p.id, p.source?.line])).toEqual([['last-0', 20_002]]);
    expect(result.errors).toHaveLength(101);
    expect(String(result.errors.at(-1))).toMatch(/^cat\.csv:102: and 19900 more rows on lines 102 to 20001 /);
  });

  it('says "row" for a single row past the listed ones', () => {
    // Prepare
    const text = ['product_id,image_url,name', ...stray(101), ...good('last', 1)].join('\n');

    // Act
    const result = parse(text);

    // Assess
    expect(result.products.map((p) => p.id)).toEqual(['last-0']);
    expect(String(result.errors.at(-1))).toMatch(/^cat\.csv:102: and 1 more row on line 102 refused /);
  });
});
