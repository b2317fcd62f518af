import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import { HostLimiter } from '#core/host-limiter.ts';
import type { Batch, ImageRecord } from '#core/types.ts';
import { HostHealth } from '#functions/download/host-health.ts';
import { type DownloadDeps, runDownload } from '#functions/download/run-download.ts';
import { reasonOf } from '#test/support/image-records.ts';
import { type PausedHostServer, startPausedHostServer } from '#test/support/paused-host-server.ts';

// 200+ images on one loopback host that fails, throttles or stalls in scripted ways; real clocks, so the wall
// times printed are what a user would wait (with pauses scaled down to fractions of a second).

const HOSTS = { cooldownMs: 300, maxCooldownMs: 1200, maxPauseMs: 2000, budgetMs: 20_000 };

const batchOf = (urls: string[], runId = 'run-1'): Batch => ({
  runId,
  items: urls.map((url, i) => ({ id: `p${i}`, metadata: {}, images: [{ url, status: 'pending' }] })),
});

const records = (batch: Batch): ImageRecord[] => batch.items.flatMap((p) => p.images);
const count = (list: ImageRecord[], pick: (r: ImageRecord) => boolean) => list.filter(pick).length;

describe('a host that fails, throttles or stalls, with 200+ images on it', () => {
  let server: PausedHostServer;
  let http: UndiciHttpClient;
  let dir: string;
  let deps: DownloadDeps;
  beforeAll(async () => {
    server = await startPausedHostServer();
    http = new UndiciHttpClient({ allowPrivateHosts: true });
  });
  afterAll(async () => {
    await http.close();
    await server.close();
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tf-paused-host-'));
    deps = {
      http,
      blobs: new FsBlobStore(dir),
      limiter: new HostLimiter(4),
      settings: {
        // A loaded machine must not time out answers that come; the /hang routes get a short timeout of their own.
        timeoutMs: 5000,
        maxBytes: 200_000,
        retries: 4,
        maxPixels: 1_000_000,
        maxRedirects: 5,
        baseDelayMs: 20,
        hosts: HOSTS,
      },
    };
    return () => rm(dir, { recursive: true, force: true });
  });
  const timed = async (batch: Batch, d: DownloadDeps = deps) => {
    const started = Date.now();
    const out = await runDownload(batch, d);
    const seconds = (Date.now() - started) / 1000;
    console.log(`  ${expect.getState().currentTestName}: ${seconds.toFixed(1)} s`);
    return { out, seconds };
  };

  it('never stops the healthy images for a few broken URLs: slow, failing, or throttled each with Retry-After', async () => {
    // Prepare: 200 healthy images and 6 broken ones among them (2 never answer, 2 always 500, 2 always 429)
    const healthy = server.images(200);
    const broken = ['/hang/1', '/hang/2', '/500/1', '/500/2', '/429/1', '/429/2'].map(
      (p) => `${server.url}${p}`,
    );
    const urls = [...healthy];
    for (const [i, url] of broken.entries()) urls.splice(20 + i * 30, 0, url);
    server.reset((p) =>
      p.startsWith('/hang')
        ? 'hang'
        : p.startsWith('/500')
          ? { status: 500 }
          : p.startsWith('/429')
            ? { status: 429, retryAfter: '1' }
            : 'image',
    );
    const shortForHang: DownloadDeps['http'] = {
      get: (url, options) => http.get(url, url.includes('/hang/') ? { ...options, timeoutMs: 400 } : options),
    };
    // Act
    const { out } = await timed(batchOf(urls), { ...deps, http: shortForHang });
    // Assess: every healthy image is stored; each broken one fails with its own reason after its own retries
    const all = records(out);
    expect(count(all, (r) => r.status === 'downloaded')).toBe(200);
    const reasons = Object.fromEntries(
      all.filter((r) => r.status === 'failed').map((r) => [new URL(r.url).pathname, r.reason]),
    );
    expect(reasons).toEqual({
      '/hang/1': 'timeout',
      '/hang/2': 'timeout',
      '/500/1': 'http_error',
      '/500/2': 'http_error',
      '/429/1': 'rate_limited',
      '/429/2': 'rate_limited',
    });
    // 5 attempts each, plus the few that failed while the host was paused (those are the host's, not theirs)
    for (const p of ['/500/1', '/429/1']) expect(server.hits(p)).toBeGreaterThanOrEqual(5);
    for (const p of ['/500/1', '/429/1']) expect(server.hits(p)).toBeLessThanOrEqual(10);
    for (const url of healthy) expect(server.hits(new URL(url).pathname)).toBe(1);
  });

  it('waits out a throttling burst (429 with Retry-After for 1.5 s) and then stores every image', async () => {
    // Prepare
    server.reset((_, since) => (since < 1500 ? { status: 429, retryAfter: '1' } : 'image'));
    const seen: string[] = [];
    const health = new HostHealth(HOSTS, Date.now, undefined, (e) => seen.push(e.why ? 'paused' : 'resumed'));
    // Act
    const { out } = await timed(batchOf(server.images(220)), { ...deps, health });
    // Assess
    const all = records(out);
    expect(count(all, (r) => r.status === 'downloaded')).toBe(220);
    expect(count(all, (r) => (r.waitedMs ?? 0) > 0)).toBeGreaterThan(200);
    expect(seen).toContain('paused');
    expect(seen.at(-1)).toBe('resumed');
    const [report] = health.report();
    expect(report).toMatchObject({ host: server.host });
    expect(report?.reasons).toEqual(['HTTP 429 with Retry-After 1 s']);
    // Polite: while throttled, the host saw a handful of requests, not one per image
    expect(server.log.filter((s) => s.answer !== 'image').length).toBeLessThan(30);
  });

  it('pauses a host that answers only 503, probes it, and resumes when it recovers', async () => {
    // Prepare: every request fails for the first 2 s
    server.reset((_, since) => (since < 2000 ? { status: 503 } : 'image'));
    const health = new HostHealth(HOSTS);
    // Act
    const { out } = await timed(batchOf(server.images(200)), { ...deps, health });
    // Assess: all stored; during the outage only the first few requests and one probe per pause reached it
    expect(count(records(out), (r) => r.status === 'downloaded')).toBe(200);
    const failing = server.log.filter((s) => s.answer !== 'image');
    expect(failing.length).toBeLessThan(20);
    const [report] = health.report();
    expect(report?.pauses).toBeGreaterThanOrEqual(2);
    expect(report?.reasons.join(' ')).toMatch(/of its last \d+ URLs failed .*HTTP 503/);
    expect(report?.reasons.join(' ')).toMatch(/the probe failed: HTTP 503/);
    expect(report?.gaveUp).toBeUndefined();
  });

  it('gives every image of a host that never recovers host_unavailable once its pause budget is spent', async () => {
    // Prepare
    server.reset(() => ({ status: 503 }));
    const budgetMs = 2500;
    const settings = { ...deps.settings, hosts: { ...HOSTS, budgetMs } };
    // Act
    const { out, seconds } = await timed(batchOf(server.images(200)), { ...deps, settings });
    // Assess
    const all = records(out);
    expect(count(all, (r) => reasonOf(r) === 'host_unavailable')).toBe(200);
    expect(all[199]?.detail).toMatch(
      new RegExp(`^${server.host} was paused 3 s in all \\(\\d+ pauses; last: the probe failed: HTTP 503`),
    );
    expect(all[199]?.detail).toMatch(/budget of 3 s per host is spent \(not tried\)$/);
    expect(seconds).toBeLessThan(budgetMs / 1000 + 3);
    expect(server.log.length).toBeLessThan(20);
  });

  it('recovers on a second run once the host is healthy, whatever the first run did', async () => {
    // Prepare: a first run against a host that stays broken past a 1 s budget
    server.reset(() => ({ status: 503 }));
    const settings = { ...deps.settings, hosts: { ...HOSTS, budgetMs: 1000 } };
    const first = await timed(batchOf(server.images(200), 'run-1'), { ...deps, settings });
    expect(count(records(first.out), (r) => r.status === 'downloaded')).toBe(0);
    // Act: the same catalog, in a new run, against the host now healthy
    server.reset();
    const second = await timed(batchOf(server.images(200), 'run-2'), { ...deps, settings });
    // Assess
    expect(count(records(second.out), (r) => r.status === 'downloaded')).toBe(200);
  });
});
