import { describe, expect, it } from 'vitest';
import { parseSearchOptions, parseSearchParams } from '#functions/search/search-params.ts';

function codeOf(query: URLSearchParams | Record<string, string | string[]>): string | undefined {
  try {
    parseSearchParams(query);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('parseSearchParams', () => {
  it('reads q, k and the filters from a query string or a record', () => {
    // Prepare
    const qs = new URLSearchParams('q=red+dress&k=3&category=dress&color=red&price_min=10&price_max=49.9');

    // Act
    const fromQs = parseSearchParams(qs);
    const fromRecord = parseSearchParams({ q: 'red dress' });

    // Assess
    expect(fromQs).toEqual({
      query: 'red dress',
      k: 3,
      filter: { category: 'dress', color: 'red', priceMin: 10, priceMax: 49.9 },
    });
    expect(fromRecord).toEqual({ query: 'red dress' });
  });

  it.each([
    ['', 'missing_query'],
    ['q=', 'empty_query'],
    ['q=+++%09', 'invalid_query'],
    ['q=%20%20', 'empty_query'],
    ['q=%E3%85%A4', 'empty_query'],
    ['q=%E2%A0%80%20%E1%85%9F', 'empty_query'],
    ['q=%EF%BF%BF', 'empty_query'],
    ['q=a%00b', 'invalid_query'],
    ['q=a%0Ab', 'invalid_query'],
    [`q=${'a'.repeat(513)}`, 'query_too_long'],
    ['q=a&q=b', 'repeated_parameter'],
    ['q=a&sort=price', 'unknown_parameter'],
    ['q=a&K=2', 'unknown_parameter'],
    ['q=a&k=', 'invalid_parameter'],
    ['q=a&k=-1', 'invalid_parameter'],
    ['q=a&k=0', 'invalid_parameter'],
    ['q=a&k=51', 'invalid_parameter'],
    ['q=a&k=99999999999999999999', 'invalid_parameter'],
    ['q=a&k=NaN', 'invalid_parameter'],
    ['q=a&k=2.5', 'invalid_parameter'],
    ['q=a&price_min=-1', 'invalid_parameter'],
    ['q=a&price_max=NaN', 'invalid_parameter'],
    ['q=a&price_max=Infinity', 'invalid_parameter'],
    ['q=a&k=1e1', 'invalid_parameter'],
    ['q=a&price_min=abc', 'invalid_parameter'],
    ['q=a&price_min=50&price_max=10', 'invalid_parameter'],
    ['q=a&category=', 'invalid_parameter'],
    ['q=a&k=1&k=2', 'repeated_parameter'],
  ])('rejects ?%s with %s', (qs, code) => {
    // Prepare
    const query = new URLSearchParams(qs);

    // Act
    const got = codeOf(query);

    // Assess
    expect(got).toBe(code);
  });

  it('accepts exactly 512 characters, counting code points, and repeated values in a record as repeats', () => {
    // Prepare
    const longest = `${'é'.repeat(511)}👗`;

    // Act
    const ok = codeOf({ q: longest });
    const repeated = codeOf({ q: ['a', 'b'] });

    // Assess
    expect(ok).toBeUndefined();
    expect(repeated).toBe('repeated_parameter');
  });

  it('trims category and color as it trims the tag filters, so a pasted space still matches', () => {
    // Prepare
    const query = new URLSearchParams('q=a&category=%20dress%20&color=++RED+&tag_colour=+Red');

    // Act
    const got = parseSearchParams(query);

    // Assess
    expect(got.filter).toEqual({ category: 'dress', color: 'RED', tags: { colour: 'red' } });
  });

  it('names the parameter in its message', () => {
    // Prepare
    const query = new URLSearchParams('q=a&colour=red');

    // Act
    const act = () => parseSearchParams(query);

    // Assess
    expect(act).toThrow(/unknown parameter "colour"/);
  });
});

describe('parseSearchOptions (image search and more like this)', () => {
  it('reads k from 1 to 50 and the filters, and refuses q', () => {
    // Prepare
    const good = new URLSearchParams('k=50&category=dress&price_max=20');

    // Act
    const options = parseSearchOptions(good);
    const one = parseSearchOptions(new URLSearchParams('k=1'));
    const withQ = () => parseSearchOptions(new URLSearchParams('q=red'));

    // Assess
    expect(options).toEqual({ k: 50, filter: { category: 'dress', priceMax: 20 } });
    expect(one).toEqual({ k: 1 });
    expect(withQ).toThrow(/unknown parameter "q"; allowed: k, category, color, price_min, price_max/);
  });
});
