import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import { HostLimiter } from '#core/host-limiter.ts';
import { HostPacer } from '#core/host-pacer.ts';
import type { Batch, ImageRecord } from '#core/types.ts';
import { HostHealth } from '#functions/download/host-health.ts';
import { hostPausesKey, MAX_STALLED_PASSES } from '#functions/download/host-report.ts';
import { type DownloadDeps, runDownload } from '#functions/download/run-download.ts';
import { fakeClock } from '#test/support/fake-clock.ts';
import { expectStatus, outcome } from '#test/support/image-records.ts';
import { type MisbehavingServer, startMisbehavingServer } from '#test/support/misbehaving-server.ts';

/** FsBlobStore that counts writes of originals, to see which were skipped. */
class CountingBlobStore extends FsBlobStore {
  puts = 0;
  override async put(key: string, data: Uint8Array, contentType?: string): Promise<void> {
    if (key.startsWith('originals/')) this.puts++;
    await super.put(key, data, contentType);
  }
}

const batchOf = (...products: string[][]): Batch => ({
  runId: 'run-1',
  items: products.map((urls, i) => ({
    id: `p${i}`,
    metadata: { name: `product ${i}` },
    images: urls.map((url): ImageRecord => ({ url, status: 'pending' })),
  })),
});

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('runDownload', () => {
  let server: MisbehavingServer;
  let http: UndiciHttpClient;
  let dir: string;
  let blobs: CountingBlobStore;
  let slept: number[];
  let clock: ReturnType<typeof fakeClock>;
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
    dir = await mkdtemp(path.join(tmpdir(), 'tf-download-'));
    blobs = new CountingBlobStore(dir);
    clock = fakeClock();
    slept = clock.slept;
    deps = {
      http,
      blobs,
      limiter: new HostLimiter(4),
      // A loaded machine must not time out answers that come: only /slow (headers never come) gets a short one.
      settings: { timeoutMs: 5000, maxBytes: 200_000, retries: 2, maxPixels: 1_000_000, maxRedirects: 5 },
      sleep: clock.sleep,
      now: clock.now,
      random: () => 0.5,
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const u = (route: string) => `${server.url}${route}`;

  it('gives every misbehaviour its own status and reason, in catalog order, without hurting the others', async () => {
    // Prepare
    const routes = [
      ['/ok.jpg', 'downloaded'],
      ['/missing', 'not_found'],
      ['/ok.png', 'downloaded'],
      ['/rate-limited', 'downloaded'],
      ['/flaky', 'downloaded'],
      ['/broken', 'http_error'],
      ['/truncated.jpg', 'corrupt_image'],
      ['/fake.jpg', 'not_an_image'],
      ['/page.html', 'not_an_image'],
      ['/huge-declared', 'too_large'],
      ['/huge-chunked', 'too_large'],
      ['/slow', 'timeout'],
      ['/redirect/2', 'downloaded'],
      ['/loop-a', 'http_error'],
    ] as const;
    const batch = batchOf(
      routes.slice(0, 7).map(([r]) => u(r)),
      [...routes.slice(7).map(([r]) => u(r)), 'not a url', 'ftp://files.example/a.jpg'],
    );
    const shortForSlow: DownloadDeps['http'] = {
      get: (url, options) => http.get(url, url.endsWith('/slow') ? { ...options, timeoutMs: 300 } : options),
    };
    // Act
    const out = await runDownload(batch, { ...deps, http: shortForSlow });
    // Assess
    const records = out.items.flatMap((p) => p.images);
    expect(records.map((r) => r.url)).toEqual(batch.items.flatMap((p) => p.images.map((i) => i.url)));
    expect(records.map(outcome)).toEqual([...routes.map(([, want]) => want), 'invalid_url', 'invalid_url']);
    expect(records[0]).toEqual({
      url: u('/ok.jpg'),
      status: 'downloaded',
      originalKey: `originals/${sha(server.images.jpeg)}.jpg`,
    });
    expect(records[1]?.detail).toBe(`HTTP 404 from ${u('/missing')}`);
    expect(records[5]?.detail).toBe(`HTTP 500 from ${u('/broken')} (after 3 attempts)`);
    expect(out.items.map((p) => p.metadata)).toEqual(batch.items.map((p) => p.metadata));
    expect([server.hits('/missing'), server.hits('/fake.jpg'), server.hits('/huge-declared')]).toEqual([
      1, 1, 1,
    ]);
    expect([server.hits('/rate-limited'), server.hits('/flaky'), server.hits('/broken')]).toEqual([2, 2, 3]);
    expect(server.hits('/slow')).toBe(2); // a timeout is retried once (TIMEOUT_RETRIES)
    // Backoffs of /flaky, /broken and /slow; the images waiting out the host's 2 s throttle pause, in steps,
    // /rate-limited among them (its own attempt was free: the pause its 429 began is what it waits for).
    expect(slept.sort((a, b) => a - b)).toEqual([250, 250, 250, 250, 500, 1000, 1000]);
  });

  it('stores originals under stable content-addressed keys, writing each distinct content once', async () => {
    // Prepare
    const first = batchOf([u('/ok.jpg'), u('/ok.png')]);
    const second = batchOf([u('/redirect/1'), u('/held/7.jpg')]);
    // Act
    const a = await runDownload(first, deps);
    const b = await runDownload(second, deps);
    // Assess
    const jpegKey = `originals/${sha(server.images.jpeg)}.jpg`;
    const pngKey = `originals/${sha(server.images.png)}.png`;
    expect(a.items[0]?.images.map((r) => expectStatus(r, 'downloaded').originalKey)).toEqual([
      jpegKey,
      pngKey,
    ]);
    expect(b.items[0]?.images.map((r) => expectStatus(r, 'downloaded').originalKey)).toEqual([
      jpegKey,
      jpegKey,
    ]);
    expect(await blobs.list('originals/')).toEqual([jpegKey, pngKey].sort());
    expect(Buffer.from(await blobs.get(jpegKey)).equals(server.images.jpeg)).toBe(true);
    expect(blobs.puts).toBe(2);
  });

  it('fetches a URL that appears several times in a batch once', async () => {
    // Prepare
    const batch = batchOf([u('/ok.jpg'), u('/ok.jpg')], [u('/ok.jpg'), `${u('/ok.jpg')}#zoom`]);
    // Act
    const out = await runDownload(batch, deps);
    // Assess
    expect(server.hits('/ok.jpg')).toBe(1);
    expect(out.items.flatMap((p) => p.images.map((r) => r.status))).toEqual(Array(4).fill('downloaded'));
  });

  it('does not fetch again what a previous run stored, but does refetch a missing original', async () => {
    // Prepare
    const once = await runDownload(batchOf([u('/ok.jpg'), u('/ok.png')]), deps);
    const pngKey = expectStatus(once.items[0]?.images[1], 'downloaded').originalKey;
    await blobs.delete(pngKey);
    // Act
    const again = await runDownload(once, deps);
    // Assess
    expect(again).toEqual(once);
    expect(server.hits('/ok.jpg')).toBe(1);
    expect(server.hits('/ok.png')).toBe(2);
    expect(await blobs.has(pngKey)).toBe(true);
  });

  it('keeps at most perKey requests in flight per host, across concurrent runs sharing one limiter', async () => {
    // Prepare
    const limiter = new HostLimiter(3);
    const urls = (from: number) => Array.from({ length: 8 }, (_, i) => u(`/held/${from + i}.jpg`));
    // Act
    const runs = await Promise.all([
      runDownload(batchOf(urls(0)), { ...deps, limiter }),
      runDownload(batchOf(urls(100)), { ...deps, limiter }),
    ]);
    // Assess
    expect(runs.flatMap((r) => r.items[0]?.images.map((i) => i.status))).toEqual(
      Array(16).fill('downloaded'),
    );
    expect(server.maxInFlight()).toBe(3);
  });

  it('gives up with rate_limited when Retry-After is longer than the longest wait', async () => {
    // Prepare: neither an image nor its host ever waits more than 1 s
    const patient = {
      ...deps,
      settings: { ...deps.settings, maxDelayMs: 1000, hosts: { maxPauseMs: 1000 } },
    };
    // Act
    const out = await runDownload(batchOf([u('/rate-limited')]), patient);
    // Assess
    const record = out.items[0]?.images[0];
    expect(record).toMatchObject({ status: 'failed', reason: 'rate_limited' });
    expect(record?.detail).toMatch(/HTTP 429 .* asked to retry after 2 s, longer than the 1 s we wait/);
    expect(slept).toEqual([]);
    expect(server.hits('/rate-limited')).toBe(1);
  });

  it('waits out a 429 with a Retry-After longer than an image waits, but within the host pause, and downloads', async () => {
    // Prepare: an anti-DDoS front answers the first request 429, Retry-After 45 s (the image's own longest
    // wait is 30 s, a host pause's 1 min), then serves every image
    let requests = 0;
    const front: DownloadDeps['http'] = {
      get: async (url, options) => {
        requests++;
        if (requests === 1) {
          return { status: 429, headers: { 'retry-after': '45' }, body: new Uint8Array(), finalUrl: url };
        }
        return http.get(url.replace('https://cdn.example', server.url), options);
      },
    };
    const batch = batchOf(['https://cdn.example/ok.jpg?a', 'https://cdn.example/ok.jpg?b']);
    // Act
    const out = await runDownload(batch, { ...deps, http: front });
    // Assess: both images stored; the throttled one waited with its host, and no image failed
    expect(out.items[0]?.images.map(outcome)).toEqual(['downloaded', 'downloaded']);
    expect(requests).toBe(3);
    expect(slept.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(45_000);
    expect(slept.every((ms) => ms <= 45_000)).toBe(true);
  });

  it('downloads a URL throttled twice with a Retry-After of 35 s: the second wait is its own, within the minute', async () => {
    // Prepare: a token bucket that is empty again when the URL is retried after the host's pause
    const sent = new Map<string, number>();
    const front: DownloadDeps['http'] = {
      get: async (url, options) => {
        const n = (sent.get(url) ?? 0) + 1;
        sent.set(url, n);
        if (url.endsWith('/a.jpg') && n <= 2) {
          return { status: 429, headers: { 'retry-after': '35' }, body: new Uint8Array(), finalUrl: url };
        }
        return http.get(`${server.url}/ok.jpg`, options);
      },
    };
    // Act
    const out = await runDownload(batchOf(['https://cdn.example/a.jpg', 'https://cdn.example/b.jpg']), {
      ...deps,
      http: front,
    });
    // Assess
    expect(out.items[0]?.images.map(outcome)).toEqual(['downloaded', 'downloaded']);
    expect(sent.get('https://cdn.example/a.jpg')).toBe(3);
  });

  it('takes a paced start only for a request it sends, not for images that find their host paused', async () => {
    // Prepare: the first request is throttled (the host pauses 1 s and is paced), then every image is served
    let requests = 0;
    const front: DownloadDeps['http'] = {
      get: async (url, options) => {
        requests++;
        if (requests === 1) {
          // Answered late, once the other images queue for the host's slots
          await new Promise((resolve) => setTimeout(resolve, 100));
          return { status: 429, headers: { 'retry-after': '1' }, body: new Uint8Array(), finalUrl: url };
        }
        return http.get(`${server.url}/held/${requests}.jpg`, options);
      },
    };
    let starts = 0;
    const pacer = new (class extends HostPacer {
      override start(host: string) {
        starts++;
        return super.start(host);
      }
    })(clock.now, clock.sleep);
    const urls = Array.from({ length: 40 }, (_, i) => `https://cdn.example/${i}.jpg`);
    // Act
    const out = await runDownload(batchOf(urls), {
      ...deps,
      http: front,
      limiter: new HostLimiter(4, pacer),
    });
    // Assess
    expect(out.items[0]?.images.every((r) => r.status === 'downloaded')).toBe(true);
    expect(pacer.rate('cdn.example')).toBeDefined();
    expect(starts).toBe(requests);
  });

  it('says no image waited when no host was paused, however slow the event loop', async () => {
    // Prepare: a clock that moves on 5 ms each time it is read, as a busy event loop would between two reads
    let t = Date.now();
    const busy = () => (t += 5);
    // Act
    const out = await runDownload(batchOf([u('/ok.jpg'), u('/ok.png'), u('/held/1.jpg')]), {
      ...deps,
      now: busy,
    });
    // Assess
    expect(out.items[0]?.images.map(outcome)).toEqual(['downloaded', 'downloaded', 'downloaded']);
    expect(out.items[0]?.images.map((r) => r.waitedMs)).toEqual([undefined, undefined, undefined]);
  });

  it("hands an image on to the next pass when its own retry would wait past the pass's deadline", async () => {
    // Prepare: one URL answers 500 once (its host is not paused: one failing URL), the other serves
    let sent = 0;
    const front: DownloadDeps['http'] = {
      get: async (url, options) => {
        if (url.endsWith('/flaky.jpg') && ++sent === 1) {
          return { status: 500, headers: {}, body: new Uint8Array(), finalUrl: url };
        }
        return http.get(`${server.url}/ok.jpg?${url}`, options);
      },
    };
    const batch = batchOf(['https://a.example/flaky.jpg', 'https://a.example/fine.jpg']);
    // Act: the first pass has 100 ms, less than the retry's backoff; the next has all the time it needs
    const deadline = clock.now() + 100;
    const first = await runDownload(batch, { ...deps, http: front, deadline });
    const second = await runDownload(first, { ...deps, http: front });
    // Assess
    expect(first.items[0]?.images.map(outcome)).toEqual(['pending', 'downloaded']);
    expect(first.items[0]?.images[0]?.detail).toBe(
      "deferred: waiting to retry would pass this pass's time (after 1 request)",
    );
    expect(first.deferral).toEqual({ images: 1, waitSeconds: 1, passes: 1 });
    expect(slept).toEqual([]);
    expect(clock.now()).toBeLessThanOrEqual(deadline);
    expect(second.items[0]?.images.map(outcome)).toEqual(['downloaded', 'downloaded']);
    expect(second.deferral).toBeUndefined();
  });

  it('calls the waiting images back when their own host resumes, not when another host of the batch did', async () => {
    // Prepare: a.example throttles once for 1 s, then serves; b.example throttles for 30 s every time
    let aSent = 0;
    const front: DownloadDeps['http'] = {
      get: async (url, options) => {
        if (url.startsWith('https://b.example/')) {
          return { status: 429, headers: { 'retry-after': '30' }, body: new Uint8Array(), finalUrl: url };
        }
        if (++aSent === 1)
          return { status: 429, headers: { 'retry-after': '1' }, body: new Uint8Array(), finalUrl: url };
        return http.get(`${server.url}/ok.jpg?${url}`, options);
      },
    };
    const batch = batchOf(['https://a.example/1.jpg', 'https://a.example/2.jpg', 'https://b.example/1.jpg']);
    // Act: 5 s to wait in
    const out = await runDownload(batch, { ...deps, http: front, deadline: clock.now() + 5000 });
    // Assess
    expect(out.items[0]?.images.map(outcome)).toEqual(['downloaded', 'downloaded', 'pending']);
    expect(out.deferral?.waitSeconds).toBeGreaterThan(20);
  });

  it("fails an image whose retry would wait past the last pass's deadline, saying so", async () => {
    // Prepare: a URL that answers 500 every time, at the run's last pass
    const front: DownloadDeps['http'] = {
      get: async (url) => ({ status: 500, headers: {}, body: new Uint8Array(), finalUrl: url }),
    };
    const batch = {
      ...batchOf(['https://a.example/down.jpg']),
      deferral: { images: 1, waitSeconds: 1, passes: 30, stalled: MAX_STALLED_PASSES - 1 },
    };
    // Act
    const out = await runDownload(batch, { ...deps, http: front, deadline: clock.now() + 100 });
    // Assess
    expect(out.deferral).toBeUndefined();
    expect(out.items[0]?.images[0]).toMatchObject({
      status: 'failed',
      reason: 'http_error',
      detail:
        "HTTP 500 from https://a.example/down.jpg; gave up after 1 attempt: waiting again would pass the time the run's last pass has left",
    });
  });

  it('pauses a host for a 503 with Retry-After and for a 429 without one, as throttling, and downloads', async () => {
    // Prepare: each host's first answer throttles, then it serves
    const sent = new Map<string, number>();
    const front: DownloadDeps['http'] = {
      get: async (url, options) => {
        const host = new URL(url).host;
        const n = (sent.get(host) ?? 0) + 1;
        sent.set(host, n);
        if (n === 1 && host === 'a.example') {
          return { status: 503, headers: { 'retry-after': '2' }, body: new Uint8Array(), finalUrl: url };
        }
        if (n === 1 && host === 'b.example') {
          return { status: 429, headers: {}, body: new Uint8Array(), finalUrl: url };
        }
        return http.get(`${server.url}/ok.jpg`, options);
      },
    };
    const health = new HostHealth({}, clock.now, clock.sleep);
    // Act
    const out = await runDownload(batchOf(['https://a.example/1.jpg', 'https://b.example/1.jpg']), {
      ...deps,
      http: front,
      health,
    });
    // Assess
    expect(out.items[0]?.images.map(outcome)).toEqual(['downloaded', 'downloaded']);
    expect(health.report().map((p) => [p.host, p.reasons])).toEqual([
      ['a.example', ['HTTP 503 with Retry-After 2 s']],
      ['b.example', ['HTTP 429 without Retry-After (we pause 1 s)']],
    ]);
  });

  it('learns the pace of a CDN that rate-limits, instead of bursting into its limit after every pause', async () => {
    // Prepare: an anti-DDoS front allowing 100 requests a second (bursts of 10), 429 with Retry-After 1 beyond
    let tokens = 10;
    let last = Date.now();
    let throttled = 0;
    const front: DownloadDeps['http'] = {
      get: async (url, options) => {
        const now = Date.now();
        tokens = Math.min(10, tokens + ((now - last) / 1000) * 100);
        last = now;
        if (tokens < 1) {
          throttled++;
          return { status: 429, headers: { 'retry-after': '1' }, body: new Uint8Array(), finalUrl: url };
        }
        tokens--;
        return http.get(`${server.url}/ok.jpg`, options);
      },
    };
    const urls = Array.from({ length: 100 }, (_, i) => `https://cdn.example/${i}.jpg`);
    const paces: number[] = [];
    const health = new HostHealth({}, Date.now, undefined, (e) => {
      if (e.pacedTo !== undefined) paces.push(e.pacedTo);
    });
    // Act
    const out = await runDownload(batchOf(urls), {
      http: front,
      blobs,
      settings: deps.settings,
      health,
      limiter: new HostLimiter(4, new HostPacer()),
    });
    // Assess: every image stored, after one or two pauses (unpaced, it bursts into the limit after each of ~8)
    expect(out.items[0]?.images.every((r) => r.status === 'downloaded')).toBe(true);
    expect(health.report()[0]?.pauses).toBeLessThanOrEqual(2);
    expect(throttled).toBeLessThanOrEqual(8);
    // progress displays hear of the pace when it is set, and of changes of 10% or more, not of every answer
    expect(paces[0]).toBeGreaterThan(0);
    expect(paces[0]).toBeLessThan(100);
    expect(paces.length).toBeLessThan(30);
    expect(health.report()[0]?.pacedTo).toBe(Math.min(...paces));
  });

  it('does not slow a host down for a few URLs of its own that answer 503 on every try', async () => {
    // Prepare: one URL in ten is broken for good
    const broken: DownloadDeps['http'] = {
      get: async (url, options) =>
        url.endsWith('0.jpg')
          ? { status: 503, headers: {}, body: new Uint8Array(), finalUrl: url }
          : http.get(`${server.url}/ok.jpg`, options),
    };
    const pacer = new HostPacer(clock.now, clock.sleep);
    const urls = Array.from({ length: 60 }, (_, i) => `https://cdn.example/${i}.jpg`);
    // Act
    const out = await runDownload(batchOf(urls), {
      ...deps,
      http: broken,
      limiter: new HostLimiter(4, pacer),
    });
    // Assess
    const records = out.items[0]?.images ?? [];
    expect(records.filter((r) => r.status === 'failed').map(outcome)).toEqual(Array(6).fill('http_error'));
    expect(pacer.rate('cdn.example')).toBeUndefined();
  });

  it('reports only the pause time that ran when a throttled host outlasts the batch, and no absurd Retry-After', async () => {
    // Prepare: the host answers 429 with a Retry-After of 10^20 s
    const throttling: DownloadDeps['http'] = {
      get: async (url) => ({
        status: 429,
        headers: { 'retry-after': '99999999999999999999' },
        body: new Uint8Array(),
        finalUrl: url,
      }),
    };
    const batch = batchOf([u('/throttled')]);
    // Act: the image gives up at once; the run ends while the host's 1 min pause has just begun
    const out = await runDownload(batch, { ...deps, http: throttling });
    // Assess
    expect(out.items[0]?.images[0]).toMatchObject({ status: 'failed', reason: 'rate_limited' });
    expect(await hostPausesKey(batch).read(blobs)).toEqual([
      {
        host: new URL(server.url).host,
        pausedMs: 0,
        pauses: 1,
        reasons: ['HTTP 429 with Retry-After over 1 day (we pause 1 min at most)'],
      },
    ]);
  });

  it('fails https to a port that does not speak TLS at once, without pausing its host, in one line', async () => {
    // Prepare: six images over https on the plain-http test server (five failures would pause a host)
    const tls = (i: number) => `https://127.0.0.1:${server.port}/ok.jpg?${i}`;
    let calls = 0;
    const counting: DownloadDeps['http'] = {
      get: (url, options) => {
        calls++;
        return http.get(url, options);
      },
    };
    const batch = batchOf([0, 1, 2, 3, 4, 5].map(tls));
    // Act
    const out = await runDownload(batch, { ...deps, http: counting });
    // Assess
    const records = out.items.flatMap((p) => p.images);
    expect(records.map(outcome)).toEqual(Array(6).fill('network_error'));
    expect(records[0]?.detail).toBe(
      `TLS handshake failed fetching ${tls(0)}: the server does not speak TLS on this port ` +
        '(ERR_SSL_WRONG_VERSION_NUMBER)',
    );
    expect(calls).toBe(6);
    expect(slept).toEqual([]);
    expect(await hostPausesKey(batch).read(blobs)).toEqual([]);
  });

  it('reports progress once per image record', async () => {
    // Prepare
    const seen: string[] = [];
    // Act
    await runDownload(batchOf([u('/ok.jpg')], [u('/missing'), u('/ok.jpg')]), {
      ...deps,
      onImage: (record, productId) => seen.push(`${productId}:${record.status}`),
    });
    // Assess
    expect(seen.sort()).toEqual(['p0:downloaded', 'p1:downloaded', 'p1:failed']);
  });

  it('fails the batch when the blob store fails, but only after every image has settled', async () => {
    // Prepare
    const failing = new CountingBlobStore(dir);
    failing.put = async () => {
      throw new Error('disk full');
    };
    // Act
    const act = runDownload(batchOf([u('/ok.jpg'), u('/held/1.jpg'), u('/missing')]), {
      ...deps,
      blobs: failing,
    });
    const error = await act.then(
      () => undefined,
      (e: unknown) => e,
    );
    // Assess
    expect(error).toEqual(new Error('disk full'));
    expect(server.hits('/held/1.jpg')).toBe(1);
    expect(server.inFlight()).toBe(0);
  });
});
