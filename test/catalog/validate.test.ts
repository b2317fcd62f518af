import { describe, expect, it } from 'vitest';
import { parseCatalog } from '#core/catalog/parse.ts';
import { checkId, checkMetadataValue, checkUrl } from '#core/catalog/validate.ts';

describe('catalog value validation', () => {
  it.each([
    ['javascript:alert(1)', 'uses the scheme "javascript:"'],
    ['data:image/png;base64,AAAA', 'uses the scheme "data:"'],
    ['file:///etc/passwd', 'uses the scheme "file:"'],
    ['images/1.jpg', 'is not an absolute URL'],
    ['//cdn.example.com/1.jpg', 'is not an absolute URL'],
    ['https://user:pw@cdn.example.com/1.jpg', 'must not contain a user name or password'],
    ['https://cdn.example.com/a\u0000b.jpg', 'contains a control character'],
    ['https://cdn.example.com/a\tb.jpg', 'contains a control character'],
    [`https://cdn.example.com/${'a'.repeat(2030)}.jpg`, 'is 2058 characters long; the limit is 2048'],
    [`https://cdn.example.com/${'é'.repeat(700)}`, 'is longer than 2048 characters once encoded'],
    ['   ', 'is empty'],
  ])('refuses the image URL %j', (raw, reason) => {
    // Prepare: raw from the table

    // Act
    const checked = checkUrl(raw);

    // Assess
    expect(checked.ok).toBe(false);
    expect(checked.ok ? '' : checked.message).toContain(reason);
  });

  it('accepts http(s) URLs and returns their normalised form', () => {
    // Prepare
    const raw = '  HTTPS://CDN.Example.com/a b.jpg?w=400  ';

    // Act
    const checked = checkUrl(raw);

    // Assess
    expect(checked).toEqual({ ok: true, value: 'https://cdn.example.com/a%20b.jpg?w=400' });
  });

  it('caps ids at 256 characters and refuses control characters in them', () => {
    // Prepare
    const long = 'x'.repeat(257);

    // Act
    const results = [checkId(long), checkId('a\u001bb'), checkId(' sku-1 '), checkId(Number.NaN)];

    // Assess
    expect(results).toEqual([
      { ok: false, message: 'product id is 257 characters long; the limit is 256' },
      { ok: false, message: 'product id "a\\u001bb" contains a control character' },
      { ok: true, value: 'sku-1' },
      { ok: false, message: 'product id NaN is not a finite number' },
    ]);
  });

  it('refuses the ids . and .., which a URL path reads as folder steps, and keeps ids that merely hold dots', () => {
    // Prepare
    const ids = ['.', ' .. ', '...', '.hidden', 'a..b'];

    // Act
    const results = ids.map((id) => checkId(id));

    // Assess
    expect(results).toEqual([
      {
        ok: false,
        message:
          'product id "." is not allowed: in the product\'s web address (/api/products/.) a URL reads it as ' +
          '"this folder" and would show another page',
      },
      {
        ok: false,
        message:
          'product id ".." is not allowed: in the product\'s web address (/api/products/..) a URL reads it as ' +
          '"the folder above" and would show another page',
      },
      { ok: true, value: '...' },
      { ok: true, value: '.hidden' },
      { ok: true, value: 'a..b' },
    ]);
  });

  it('refuses a .. product id in a CSV or JSON Lines catalog with file:line and keeps the other products', () => {
    // Prepare
    const csv = 'product_id,image_url\n..,https://a.example/1.jpg\np2,https://a.example/2.jpg\n';
    const jsonl =
      '{"id": "p1", "images": ["https://a.example/1.jpg"]}\n{"id": ".", "images": ["https://a.example/2.jpg"]}\n';

    // Act
    const results = [parseCatalog(csv, { file: 'cat.csv' }), parseCatalog(jsonl, { file: 'cat.jsonl' })];

    // Assess
    expect(results.map((r) => r.products.map((p) => p.id))).toEqual([['p2'], ['p1']]);
    expect(results.map((r) => r.errors.map(String))).toEqual([
      [expect.stringMatching(/^cat\.csv:2: product_id "\.\." is not allowed: .*; row skipped$/)],
      [expect.stringMatching(/^cat\.jsonl:2: product id "\." is not allowed: /)],
    ]);
  });

  it('caps metadata values and allows line breaks but not other control characters', () => {
    // Prepare
    const long = 'y'.repeat(2049);

    // Act
    const results = [
      checkMetadataValue('name', long),
      checkMetadataValue('name', 'two\nlines'),
      checkMetadataValue('name', 'bell\u0007'),
      checkMetadataValue('price', -1),
      checkMetadataValue('product_url', 'javascript:void(0)'),
      checkMetadataValue('name', ''),
    ];

    // Assess
    expect(results).toEqual([
      { ok: false, message: 'field "name" is 2049 characters long; the limit is 2048' },
      { ok: true, value: 'two\nlines' },
      { ok: false, message: 'field "name" contains a control character' },
      { ok: false, message: 'field "price" must not be negative, got -1' },
      {
        ok: false,
        message:
          'product_url "javascript:void(0)" uses the scheme "javascript:"; only http and https are allowed',
      },
      { ok: true, value: undefined },
    ]);
  });
});
