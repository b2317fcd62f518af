import { beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import {
  readUrlRecord,
  recordAnswer,
  type UrlRecord,
  urlRecordKey,
  validatorsOf,
  writeUrlRecord,
} from '#functions/download/url-record.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';

const newDir = tempDirs('url-record');
const URL_A = 'https://cdn.example/a.jpg';
const KEY = `originals/${'ab'.repeat(32)}.jpg`;
const NOW = Date.parse('2025-03-01T10:00:00Z');
const good: UrlRecord = {
  url: URL_A,
  originalKey: KEY,
  etag: 'W/"abc"',
  fetchedAt: new Date(NOW).toISOString(),
  maxAgeUntil: new Date(NOW + 60_000).toISOString(),
};

describe('URL records', () => {
  let blobs: FsBlobStore;
  beforeEach(async () => {
    blobs = new FsBlobStore(await newDir());
  });
  const store = (text: string, url = URL_A) => blobs.put(urlRecordKey(url), Buffer.from(text));

  it('reads back what it wrote, under urls/<sha256>.json, for every spelling of the URL with a fragment', async () => {
    // Act
    await writeUrlRecord(blobs, good);
    // Assess
    expect(urlRecordKey(URL_A)).toMatch(/^urls\/[0-9a-f]{64}\.json$/);
    expect(urlRecordKey(`${URL_A}#zoom`)).toBe(urlRecordKey(URL_A));
    expect(await readUrlRecord(blobs, `${URL_A}#zoom`)).toEqual(good);
    expect(await readUrlRecord(blobs, 'https://cdn.example/b.jpg')).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"url": "https://cdn'],
    ['JSON of the wrong shape', '[1, 2, 3]'],
    ['another URL', JSON.stringify({ ...good, url: 'https://cdn.example/b.jpg' })],
    ['a key outside originals/', JSON.stringify({ ...good, originalKey: 'runs/r1/embedded/a.json' })],
    ['an ETag with a line break', JSON.stringify({ ...good, etag: '"a"\r\nx-evil: 1' })],
    ['a Last-Modified that is no date', JSON.stringify({ ...good, lastModified: 'yesterday' })],
    ['a fetchedAt that is no time', JSON.stringify({ ...good, fetchedAt: 'now' })],
    ['too big', JSON.stringify({ ...good, padding: 'x'.repeat(10_000) })],
  ])('ignores a record that is %s', async (_, text) => {
    // Prepare
    await store(text);
    // Act
    const record = await readUrlRecord(blobs, URL_A);
    // Assess
    expect(record).toBeUndefined();
  });

  it('records validators and freshness of an answer, keeping validators a 304 did not repeat', () => {
    // Prepare
    const headers = { 'cache-control': 'max-age=60', 'last-modified': 'Thu, 01 Feb 2024 00:00:00 GMT' };
    // Act
    const record = recordAnswer(`${URL_A}#x`, KEY, headers, NOW, undefined, { etag: '"old"' });
    // Assess
    expect(record).toEqual({
      url: URL_A,
      originalKey: KEY,
      etag: '"old"',
      lastModified: 'Thu, 01 Feb 2024 00:00:00 GMT',
      fetchedAt: '2025-03-01T10:00:00.000Z',
      maxAgeUntil: '2025-03-01T10:01:00.000Z',
    });
    expect(validatorsOf(record)).toEqual({ etag: '"old"', lastModified: 'Thu, 01 Feb 2024 00:00:00 GMT' });
  });

  it('drops validators it could not send back, and has none to send then', () => {
    // Act
    const record = recordAnswer(
      URL_A,
      KEY,
      { etag: `"${'x'.repeat(2000)}"`, 'last-modified': 'soon' },
      NOW,
      undefined,
    );
    // Assess
    expect(record).toEqual({ url: URL_A, originalKey: KEY, fetchedAt: '2025-03-01T10:00:00.000Z' });
    expect(validatorsOf(record)).toBeUndefined();
  });
});
