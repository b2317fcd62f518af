import { describe, expect, it } from 'vitest';
import { catalogLines, summarizeCatalog } from '#cli/plan/catalog-summary.ts';
import { parseCatalog } from '#core/catalog/index.ts';

const summarize = (text: string, format: 'auto' | 'urls' = 'auto') =>
  summarizeCatalog('cat', parseCatalog(text, { file: 'cat', format, groupSize: 2 })).summary;

describe('plan: what the catalog refuses', () => {
  it('counts refused rows, not errors: a row with two errors is one refused row', () => {
    // Prepare: line 3 has a field too many; line 6 has no image (two errors: empty URL, product skipped)
    const csv = [
      'product_id,image_url,name',
      '',
      'c1,http://h.test/c1.jpg,Red,extra',
      'c2,http://h.test/c2.jpg',
      '',
      'c3',
      'c4,http://h.test/c4.jpg,Green',
    ].join('\n');
    // Act
    const summary = summarize(csv);
    // Assess
    expect(summary).toMatchObject({ rowsRefused: 2, valuesDropped: 0, warnings: 0, problemCount: 3 });
    expect(summary.problems[0]).toMatch(/^error: cat:3: row has 4 fields/);
    expect(summary.problems[1]).toMatch(/^error: cat:6: image URL is empty/);
  });

  it('counts a dropped value of a kept product as a value dropped, not a refused row', () => {
    const summary = summarize('product_id;image_url;price\ns1;http://h.test/s1.jpg;19,99\n');
    expect(summary).toMatchObject({ rowsRefused: 0, valuesDropped: 1, warnings: 0 });
    expect(summary.problems).toEqual([
      expect.stringMatching(/^error: cat:2: field "price" .*; field ignored$/),
    ]);
  });

  it('counts JSON Lines rows refused and images dropped apart', () => {
    const jsonl = [
      '{"id": "a", "images": ["http://h.test/a.jpg", "not a url"]}',
      '{"images": ["http://h.test/b.jpg"]}',
      '{"id": "a", "images": ["http://h.test/c.jpg"]}',
    ].join('\n');
    expect(summarize(jsonl)).toMatchObject({ rowsRefused: 2, valuesDropped: 1 });
  });

  it('counts every bad line of a URL list as a refused row, the first line of a group too', () => {
    const urls = ['not a url', 'http://h.test/1.jpg', 'http://h.test/2.jpg', 'bad'].join('\n');
    expect(summarize(urls, 'urls')).toMatchObject({ rowsRefused: 2, valuesDropped: 0 });
  });

  it('prints the counts, the first problems with file:line and where the rest are listed', () => {
    // Prepare: 25 rows without an image, two problem lines each
    const rows = Array.from({ length: 25 }, (_, i) => `x${i},`);
    const summary = summarize(['product_id,image_url', ...rows, 'ok,http://h.test/ok.jpg'].join('\n'));
    // Act
    const lines = catalogLines({ ...summary, problemsFile: '/data/blobs/plans/p-problems.txt' });
    // Assess
    expect(lines[0]).toBe(
      '  catalog: rows refused 25 (not ingested), values dropped 0 (left out of kept products), warnings 0',
    );
    expect(lines[1]).toMatch(/^ {2}error: cat:2: /);
    expect(lines).toHaveLength(1 + 20 + 1);
    expect(lines.at(-1)).toBe('  ... and 30 more, all listed in /data/blobs/plans/p-problems.txt');
  });
});
