import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import { HttpClientError } from '#core/errors.ts';
import { HostLimiter } from '#core/host-limiter.ts';
import type { Batch, ImageRecord } from '#core/types.ts';
import { type DownloadDeps, runDownload } from '#functions/download/run-download.ts';
import { readUrlRecord, urlRecordKey } from '#functions/download/url-record.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';
import { expectStatus } from '#test/support/image-records.ts';
import { type MisbehavingServer, startMisbehavingServer } from '#test/support/misbehaving-server.ts';

const newDir = tempDirs('revalidation');
const HOUR = 3600_000;
const T0 = Date.parse('2025-03-01T10:00:00Z');
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('runDownload on a second run (re-ingestion)', () => {
  let server: MisbehavingServer;
  let http: UndiciHttpClient;
  let blobs: FsBlobStore;
  let clock: number;
  let deps: DownloadDeps;
  beforeAll(async () => {
    server = await startMisbehavingServer();
    http = new UndiciHttpClient({ allowPrivateHosts: true });
  });
  afterAll(async () => {
    await http.close();
    await server.close();
  });
  beforeEach(async () => {
    server.reset();
    blobs = new FsBlobStore(await newDir());
    clock = T0;
    deps = {
      http,
      blobs,
      limiter: new HostLimiter(4),
      settings: { timeoutMs: 2000, maxBytes: 200_000, retries: 0, maxPixels: 1_000_000, maxRedirects: 5 },
      now: () => clock,
      // Waits (a throttled host's pause) move the test's clock on instead of taking time.
      sleep: async (ms: number) => {
        clock += ms;
      },
    };
  });
  const u = (route: string) => `${server.url}${route}`;
  /** Downloads one URL as a new run would (a pending record) and returns its record. */
  const run = async (url: string, extra: Partial<DownloadDeps['settings']> = {}): Promise<ImageRecord> => {
    const batch: Batch = {
      runId: 'r',
      items: [{ id: 'p', metadata: {}, images: [{ url, status: 'pending' }] }],
    };
    const out = await runDownload(batch, { ...deps, settings: { ...deps.settings, ...extra } });
    return out.items[0]?.images[0] as ImageRecord;
  };
  const jpegKey = () => `originals/${sha(server.images.jpeg)}.jpg`;

  it('sends If-None-Match and reuses the stored original on 304, without a body crossing the wire', async () => {
    // Prepare
    const first = await run(u('/etag.jpg'));
    const sentFirst = server.bodyBytes('/etag.jpg');
    clock = T0 + 24 * HOUR;
    // Act
    const second = await run(u('/etag.jpg'));
    // Assess
    expect(first).toEqual({ url: u('/etag.jpg'), status: 'downloaded', originalKey: jpegKey() });
    expect(second).toEqual(first);
    expect(server.lastHeaders('/etag.jpg')?.['if-none-match']).toBe('"v1"');
    expect(server.hits('/etag.jpg')).toBe(2);
    expect(sentFirst).toBe(server.images.jpeg.length);
    expect(server.bodyBytes('/etag.jpg')).toBe(sentFirst);
    expect(await readUrlRecord(blobs, u('/etag.jpg'))).toEqual({
      url: u('/etag.jpg'),
      originalKey: jpegKey(),
      etag: '"v1"',
      fetchedAt: new Date(T0 + 24 * HOUR).toISOString(),
    });
  });

  it('keeps the stored original when the host throttles, answers 5xx or times out, but not when it says 404', async () => {
    // Prepare: every image stored by a first run; a day later the host answers each revalidation badly
    const answers = { '/etag.jpg': 429, '/last-modified.jpg': 503, '/fresh.jpg': 0, '/expires.jpg': 404 };
    const first = await Promise.all(Object.keys(answers).map((route) => run(u(route))));
    clock = T0 + 24 * HOUR;
    const fetchedAt = new Date(T0).toISOString();
    deps.http = {
      get: async (url) => {
        const status = answers[new URL(url).pathname as keyof typeof answers];
        if (status === 0) throw new HttpClientError(`timeout fetching ${url}`, 'timeout', true);
        return { status, headers: {}, body: new Uint8Array(), finalUrl: url };
      },
    };
    // Act
    const second = [];
    for (const route of Object.keys(answers)) second.push(await run(u(route), { maxFreshnessMs: 0 }));
    // Assess
    expect(first.map((r) => r.status)).toEqual(['downloaded', 'downloaded', 'downloaded', 'downloaded']);
    expect(second.slice(0, 3)).toMatchObject(
      [
        ['/etag.jpg', 'HTTP 429 from'],
        ['/last-modified.jpg', 'HTTP 503 from'],
        ['/fresh.jpg', 'timeout fetching'],
      ].map(([route, said], i) => ({
        url: u(route as string),
        status: 'downloaded',
        originalKey: (first[i] as { originalKey: string }).originalKey,
        kept: true,
        detail: expect.stringContaining(`kept the copy stored ${fetchedAt}: revalidating it failed (${said}`),
      })),
    );
    expect(second[3]).toMatchObject({ status: 'failed', reason: 'not_found' });
  });

  it('stores the new image under a new key when the host answers 200 to the conditional GET', async () => {
    // Prepare
    await run(u('/etag.jpg'));
    server.revise();
    // Act
    const changed = await run(u('/etag.jpg'));
    const again = await run(u('/etag.jpg'));
    // Assess
    const revisedKey = `originals/${sha(server.images.revised)}.jpg`;
    expect(expectStatus(changed, 'downloaded').originalKey).toBe(revisedKey);
    expect(expectStatus(again, 'downloaded').originalKey).toBe(revisedKey);
    expect(Buffer.from(await blobs.get(revisedKey)).equals(server.images.revised)).toBe(true);
    expect((await readUrlRecord(blobs, u('/etag.jpg')))?.etag).toBe('"v2"');
    expect(server.lastHeaders('/etag.jpg')?.['if-none-match']).toBe('"v2"');
    expect(server.bodyBytes('/etag.jpg')).toBe(server.images.jpeg.length + server.images.revised.length);
  });

  it('sends If-Modified-Since when the host gave only Last-Modified', async () => {
    // Prepare
    await run(u('/last-modified.jpg'));
    // Act
    const second = await run(u('/last-modified.jpg'));
    // Assess
    expect(second).toMatchObject({ status: 'downloaded', originalKey: jpegKey() });
    expect(server.lastHeaders('/last-modified.jpg')?.['if-modified-since']).toBe(
      'Thu, 01 Feb 2024 00:00:00 GMT',
    );
    expect(server.lastHeaders('/last-modified.jpg')?.['if-none-match']).toBeUndefined();
    expect(server.bodyBytes('/last-modified.jpg')).toBe(server.images.jpeg.length);
  });

  it('asks nothing while a max-age or Expires says the image is fresh, and revalidates once it is not', async () => {
    // Prepare
    await run(u('/fresh.jpg'));
    await run(u('/expires.jpg'));
    clock = T0 + HOUR / 2;
    // Act
    const fresh = [await run(u('/fresh.jpg')), await run(u('/expires.jpg'))];
    const requestsWhileFresh = server.hits('/fresh.jpg') + server.hits('/expires.jpg');
    clock = T0 + 2 * HOUR;
    const stale = await run(u('/fresh.jpg'));
    // Assess
    expect(fresh.map((r) => expectStatus(r, 'downloaded').originalKey)).toEqual([jpegKey(), jpegKey()]);
    expect(requestsWhileFresh).toBe(2);
    expect(expectStatus(stale, 'downloaded').originalKey).toBe(jpegKey());
    expect(server.hits('/fresh.jpg')).toBe(2);
    expect(server.lastHeaders('/fresh.jpg')?.['if-none-match']).toBe('"v1"');
    expect(server.bodyBytes('/fresh.jpg')).toBe(server.images.jpeg.length);
  });

  it('sends a plain GET again for a host that gave no validators', async () => {
    // Prepare
    await run(u('/ok.jpg'));
    // Act
    const second = await run(u('/ok.jpg'));
    // Assess
    expect(expectStatus(second, 'downloaded').originalKey).toBe(jpegKey());
    expect(server.hits('/ok.jpg')).toBe(2);
    expect(server.lastHeaders('/ok.jpg')?.['if-none-match']).toBeUndefined();
    expect(server.lastHeaders('/ok.jpg')?.['if-modified-since']).toBeUndefined();
  });

  it('ignores a record whose original was deleted, and fetches and stores the image again', async () => {
    // Prepare
    await run(u('/fresh.jpg'));
    await blobs.delete(jpegKey());
    // Act
    const second = await run(u('/fresh.jpg'));
    // Assess
    expect(second).toMatchObject({ status: 'downloaded', originalKey: jpegKey() });
    expect(server.hits('/fresh.jpg')).toBe(2);
    expect(server.lastHeaders('/fresh.jpg')?.['if-none-match']).toBeUndefined();
    expect(await blobs.has(jpegKey())).toBe(true);
  });

  it('ignores a corrupt record, fetches in full and writes a good record over it', async () => {
    // Prepare
    await run(u('/fresh.jpg'));
    await blobs.put(urlRecordKey(u('/fresh.jpg')), Buffer.from('{"url": "trunc'));
    // Act
    const second = await run(u('/fresh.jpg'));
    const third = await run(u('/fresh.jpg'));
    // Assess
    expect([
      expectStatus(second, 'downloaded').originalKey,
      expectStatus(third, 'downloaded').originalKey,
    ]).toEqual([jpegKey(), jpegKey()]);
    expect(server.hits('/fresh.jpg')).toBe(2);
    expect(server.lastHeaders('/fresh.jpg')?.['if-none-match']).toBeUndefined();
    expect(await readUrlRecord(blobs, u('/fresh.jpg'))).toMatchObject({
      etag: '"v1"',
      originalKey: jpegKey(),
    });
  });

  it('with forceRefresh, fetches in full despite a fresh record, and records the answer', async () => {
    // Prepare
    await run(u('/fresh.jpg'));
    clock = T0 + HOUR / 2;
    // Act
    const forced = await run(u('/fresh.jpg'), { forceRefresh: true });
    // Assess
    expect(expectStatus(forced, 'downloaded').originalKey).toBe(jpegKey());
    expect(server.hits('/fresh.jpg')).toBe(2);
    expect(server.lastHeaders('/fresh.jpg')?.['if-none-match']).toBeUndefined();
    expect(server.bodyBytes('/fresh.jpg')).toBe(2 * server.images.jpeg.length);
    expect((await readUrlRecord(blobs, u('/fresh.jpg')))?.fetchedAt).toBe(new Date(clock).toISOString());
  });

  it('forgets a URL the host said is gone, so a later run asks again instead of reusing a still-fresh copy', async () => {
    // Prepare: stored with an hour of freshness; then the host removes the image
    await run(u('/fresh.jpg'));
    let gone = false;
    const real = deps.http;
    deps = {
      ...deps,
      http: {
        get: async (url, options) =>
          gone ? { status: 404, headers: {}, body: new Uint8Array(), finalUrl: url } : real.get(url, options),
      },
    };
    gone = true;
    clock = T0 + HOUR / 4;
    // Act: a --force-refresh run meets the 404, then a plain run within the old freshness
    const forced = await run(u('/fresh.jpg'), { forceRefresh: true });
    const next = await run(u('/fresh.jpg'));
    // Assess
    expect(forced).toMatchObject({ status: 'failed', reason: 'not_found' });
    expect(next).toMatchObject({ status: 'failed', reason: 'not_found' });
    expect(await readUrlRecord(blobs, u('/fresh.jpg'))).toBeUndefined();
  });

  it('with forceRefresh, fetches again even the images a batch already has downloaded', async () => {
    // Prepare
    const batch: Batch = {
      runId: 'r',
      items: [{ id: 'p', metadata: {}, images: [{ url: u('/ok.jpg'), status: 'pending' }] }],
    };
    const done = await runDownload(batch, deps);
    // Act
    await runDownload(done, deps);
    await runDownload(done, { ...deps, settings: { ...deps.settings, forceRefresh: true } });
    // Assess
    expect(server.hits('/ok.jpg')).toBe(2);
  });

  it('shares one record between spellings of a URL that differ only by fragment', async () => {
    // Prepare
    await run(u('/fresh.jpg'));
    // Act
    const zoomed = await run(`${u('/fresh.jpg')}#zoom`);
    // Assess
    expect(expectStatus(zoomed, 'downloaded').originalKey).toBe(jpegKey());
    expect(server.hits('/fresh.jpg')).toBe(1);
  });

  it('records a 304 nobody asked for as an http_error', async () => {
    // Prepare
    const notModified: DownloadDeps['http'] = {
      get: async (url) => ({ status: 304, headers: {}, body: new Uint8Array(0), finalUrl: url }),
    };
    // Act
    const record = await runDownload(
      { runId: 'r', items: [{ id: 'p', metadata: {}, images: [{ url: u('/x.jpg'), status: 'pending' }] }] },
      { ...deps, http: notModified },
    );
    // Assess
    expect(record.items[0]?.images[0]).toMatchObject({
      status: 'failed',
      reason: 'http_error',
      detail: `HTTP 304 from ${u('/x.jpg')}`,
    });
  });
});
