import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import { parseBatchEvent } from '#core/contracts/batch-schema.ts';
import { HostLimiter } from '#core/host-limiter.ts';
import type { Batch, ImageRecord } from '#core/types.ts';
import { type DownloadDeps, runDownload } from '#functions/download/run-download.ts';
import { fakeClock } from '#test/support/fake-clock.ts';
import { expectStatus, outcome, reasonOf } from '#test/support/image-records.ts';
import { drawImage } from '#test/support/misbehaving-server.ts';
import { hostileRoutes } from './hostile-routes.ts';
import { type RawServer, startRawServer } from './raw-server.ts';

const SILENT = new Set(['/black-hole', '/stall-body']);

const batchOf = (urls: string[]): Batch => ({
  runId: 'hostile',
  items: [{ id: 'p1', metadata: {}, images: urls.map((url): ImageRecord => ({ url, status: 'pending' })) }],
});

describe('download stage against hosts that misbehave', () => {
  let jpeg: Buffer;
  let server: RawServer;
  let http: UndiciHttpClient;
  let dir: string;
  let slept: number[];
  let clock: ReturnType<typeof fakeClock>;
  let deps: DownloadDeps;
  beforeAll(async () => {
    jpeg = await drawImage('jpeg', 96, 64);
    server = await startRawServer(hostileRoutes(jpeg));
    http = new UndiciHttpClient({ allowPrivateHosts: true });
    dir = await mkdtemp(path.join(tmpdir(), 'tf-hostile-dl-'));
  });
  afterAll(async () => {
    await http.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    clock = fakeClock();
    slept = clock.slept;
    deps = {
      http,
      blobs: new FsBlobStore(dir),
      limiter: new HostLimiter(4),
      settings: { timeoutMs: 3000, maxBytes: 200_000, retries: 2, maxPixels: 1_000_000, maxRedirects: 5 },
      sleep: clock.sleep,
      now: clock.now,
      random: () => 0.5,
    };
  });
  // Only the routes that never answer get a short timeout; a loaded machine must not time out the others.
  const fetchOne = async (route: string) => {
    const timeoutMs = SILENT.has(route) ? 400 : deps.settings.timeoutMs;
    const settings = { ...deps.settings, timeoutMs };
    const out = await runDownload(batchOf([`${server.url}${route}`]), { ...deps, settings });
    return out.items[0]?.images[0] as ImageRecord;
  };

  it.each([
    ['/ra-huge-429', 'rate_limited', 1, /HTTP 429 .* asked to retry after 99999999999999999999/],
    [
      '/ra-huge-503',
      'http_error',
      1,
      /HTTP 503 .* asked to retry after 3600 s, longer than the 1 min we wait/,
    ],
    ['/unavailable', 'http_error', 3, /HTTP 503 .*\(after 3 attempts\)/],
    ['/black-hole', 'timeout', 2, /timed out after 400 ms/],
    ['/stall-body', 'timeout', 2, /timed out after 400 ms/],
    ['/to-ftp', 'invalid_url', 1, /unsupported scheme ftp:/],
    ['/to-file', 'invalid_url', 1, /unsupported scheme file:/],
    ['/to-javascript', 'invalid_url', 1, /unsupported scheme javascript:/],
    [
      '/to-creds',
      'invalid_url',
      1,
      /credentials are not allowed in image URLs: http:\/\/\*\*\*@cdn.example\/a.jpg/,
    ],
    ['/hop1', 'http_error', 1, /more than 5 redirects from .*\/hop1/],
    ['/no-location', 'http_error', 1, /HTTP 302 .* without a Location header/],
    ['/cl-short', 'corrupt_image', 1, /cannot decode jpeg/],
    ['/cl-long', 'network_error', 3, /other side closed.*\(after 3 attempts\)/],
    ['/gzip-bomb', 'too_large', 1, /more than 200000 bytes once decoded \(content-encoding gzip\)/],
    ['/compress', 'http_error', 1, /unsupported content-encoding "compress"/],
    ['/svg', 'not_an_image', 1, /SVG images are not accepted/],
    ['/svg-as-png', 'not_an_image', 1, /SVG images are not accepted/],
    ['/html-200', 'not_an_image', 1, /content type is text\/html, not an image/],
    ['/html-as-jpeg', 'not_an_image', 1, /bytes are not a known image format \(image\/jpeg\)/],
    ['/empty', 'not_an_image', 1, /the body is empty/],
    ['/huge-header', 'http_error', 1, /response headers are too large/],
    ['/close-mid-body', 'network_error', 3, /other side closed.*\(after 3 attempts\)/],
    ['/not-http', 'http_error', 1, /not a valid HTTP response/],
  ] as const)(
    '%s ends failed: %s after %i request(s), with a precise detail',
    async (route, reason, hits, detail) => {
      // Act
      const record = await fetchOne(route);
      // Assess
      expect(record).toMatchObject({ status: 'failed', reason });
      expect(record.detail).toMatch(detail);
      expect(server.hits(route)).toBe(hits);
    },
  );

  it.each([
    ['/ra-negative', [250]],
    ['/ra-garbage', [250]],
    ['/ra-past', [250]],
    // A 429 asks to slow down even with a Retry-After of 0: its host pauses our own 1 s, then the URL
    // probes after the grace a URL that failed gives fresh ones.
    ['/ra-zero', [1000, 250]],
  ])(
    '%s: an unusable or past Retry-After falls back to backoff, never a zero-wait hammering',
    async (route, waits) => {
      // Act
      const record = await fetchOne(route);
      // Assess
      expect(record.status).toBe('downloaded');
      expect(slept).toEqual(waits);
    },
  );

  it('bounds the total wait on a host that keeps asking for more time', async () => {
    // Prepare: every answer is 503 with Retry-After 20 s; 8 retries would wait 160 s, over the 2 min allowed
    const route = '/unavailable';
    const asks = { ...deps, http: withRetryAfter(http, '20') };
    // Act
    const out = await runDownload(batchOf([`${server.url}${route}`]), {
      ...asks,
      settings: { ...deps.settings, retries: 8 },
    });
    // Assess
    const record = out.items[0]?.images[0];
    expect(record).toMatchObject({ status: 'failed', reason: 'http_error' });
    // The first 503 pauses the host for its 20 s (waited in 1 s steps, then the probe's grace, a free
    // attempt); the URL's own 503s after that wait 20 s each until the next would pass 2 min in all.
    expect(slept).toEqual([...Array(20).fill(1000), 250, ...Array(6).fill(20_000)]);
    expect(record?.detail).toMatch(/gave up after 8 attempts: waiting again would pass 2 min in all/);
  });

  it('pauses a host whose requests keep failing, probes it, and gives its images up only when the pause budget is spent', async () => {
    // Prepare: 20 images on a host that answers nothing but 503; 1 min of pauses allowed
    const urls = Array.from({ length: 20 }, (_, i) => `${server.url}/unavailable?${i}`);
    const batch: Batch = {
      runId: 'dead-host',
      items: urls.map((url, i) => ({ id: `p${i}`, metadata: {}, images: [{ url, status: 'pending' }] })),
    };
    const before = server.hits('/unavailable');
    const settings = { ...deps.settings, hosts: { budgetMs: 60_000 } };
    // Act
    const out = await runDownload(batch, { ...deps, settings, limiter: new HostLimiter(1) });
    // Assess: 5 URLs fail, then the host is paused 10 s, 20 s, ... (until the budget is spent) with one probe
    // after each; then every image is host_unavailable (without the breaker: 60 requests)
    const records = out.items.map((p) => p.images[0]);
    expect(records.every((r) => reasonOf(r) === 'host_unavailable')).toBe(true);
    const host = new URL(server.url).host;
    expect(records[19]?.detail).toMatch(
      new RegExp(
        `^${host} was paused 1 min in all \\(3 pauses; last: the probe failed: HTTP 503 .*\\(not tried\\)$`,
      ),
    );
    // 8 in real time; this fake clock runs faster while many images wait, so a retried URL may probe too
    expect(server.hits('/unavailable') - before).toBeLessThanOrEqual(15);
  });

  it('decodes gzip and brotli bodies it never asked for, and asks for identity', async () => {
    // Act
    const records = [await fetchOne('/gzip'), await fetchOne('/brotli')];
    // Assess
    expect(records.map((r) => r.status)).toEqual(['downloaded', 'downloaded']);
    const stored = await deps.blobs.get(expectStatus(records[0], 'downloaded').originalKey);
    expect(Buffer.from(stored).equals(jpeg)).toBe(true);
    expect(server.lastHeaders('/gzip')?.['accept-encoding']).toBe('identity');
  });

  it('keeps every record valid for the next stage, even when a redirect points at a 6 KB URL', async () => {
    // Act
    const out = await runDownload(batchOf([`${server.url}/long-redirect`, `${server.url}/ok.jpg`]), deps);
    // Assess
    const [record] = out.items[0]?.images ?? [];
    expect(record).toMatchObject({ status: 'failed', reason: 'not_found' });
    expect(record?.detail?.length).toBeLessThan(600);
    expect(() => parseBatchEvent(out)).not.toThrow();
  });

  it('settles a whole batch of misbehaving URLs in bounded time, each with its own outcome', async () => {
    // Prepare
    const routes = [
      '/black-hole',
      '/stall-body',
      '/close-mid-body',
      '/unavailable',
      '/ok.jpg',
      '/svg',
      '/empty',
    ];
    // Only the silent routes get the short timeout: a loaded machine must not time out the others.
    const shortForSilent: DownloadDeps['http'] = {
      get: (url, options) =>
        deps.http.get(url, SILENT.has(new URL(url).pathname) ? { ...options, timeoutMs: 800 } : options),
    };
    // Act
    const started = Date.now();
    const out = await runDownload(batchOf(routes.map((r) => `${server.url}${r}`)), {
      ...deps,
      http: shortForSilent,
    });
    // Assess: 3 attempts of 800 ms for the silent ones, side by side
    const reasons = out.items[0]?.images.map(outcome);
    expect(reasons).toEqual([
      'timeout',
      'timeout',
      'network_error',
      'http_error',
      'downloaded',
      'not_an_image',
      'not_an_image',
    ]);
    expect(Date.now() - started).toBeLessThan(6000);
  });
});

/** An HttpClient that adds a Retry-After header to every 503 it returns. */
function withRetryAfter(inner: UndiciHttpClient, value: string): DownloadDeps['http'] {
  return {
    get: async (url, options) => {
      const res = await inner.get(url, options);
      return res.status === 503 ? { ...res, headers: { ...res.headers, 'retry-after': value } } : res;
    },
  };
}
