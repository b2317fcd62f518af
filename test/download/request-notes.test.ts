import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import { HostLimiter } from '#core/host-limiter.ts';
import type { Batch, ImageRecord } from '#core/types.ts';
import { HostHealth } from '#functions/download/host-health.ts';
import { MAX_STALLED_PASSES } from '#functions/download/host-report.ts';
import { type DownloadDeps, runDownload } from '#functions/download/run-download.ts';
import { fakeClock } from '#test/support/fake-clock.ts';
import { reasonOf } from '#test/support/image-records.ts';
import { type PausedHostServer, startPausedHostServer } from '#test/support/paused-host-server.ts';

// The note that ends the detail of an image its paused host held back says how many requests the server saw for
// that image: attempts the host as a whole refused are free (they spend none of the image's retries), but they
// were sent.

const batchOf = (urls: string[]): Batch => ({
  runId: 'run-notes',
  items: urls.map((url, i) => ({ id: `p${i}`, metadata: {}, images: [{ url, status: 'pending' }] })),
});

const records = (batch: Batch): ImageRecord[] => batch.items.flatMap((p) => p.images);

/** The number of requests a detail's note claims: 0 for "(not tried)". */
function noted(detail: string | undefined): number {
  if (detail?.endsWith(' (not tried)')) return 0;
  const match = detail?.match(/ \(after (\d+) requests?\)$/);
  if (!match) throw new Error(`no request note in ${JSON.stringify(detail)}`);
  return Number(match[1]);
}

describe('the request note of an image its paused host held back', () => {
  let server: PausedHostServer;
  let http: UndiciHttpClient;
  let dir: string;
  let deps: DownloadDeps;
  let clock: ReturnType<typeof fakeClock>;
  beforeAll(async () => {
    server = await startPausedHostServer(() => ({ status: 503 }));
    http = new UndiciHttpClient({ allowPrivateHosts: true });
  });
  afterAll(async () => {
    await http.close();
    await server.close();
  });
  beforeEach(async () => {
    server.reset(() => ({ status: 503 }));
    dir = await mkdtemp(path.join(tmpdir(), 'tf-request-notes-'));
    clock = fakeClock(1_000_000);
    deps = {
      http,
      blobs: new FsBlobStore(dir),
      limiter: new HostLimiter(4),
      settings: {
        timeoutMs: 5000,
        maxBytes: 200_000,
        retries: 4,
        maxPixels: 1_000_000,
        maxRedirects: 5,
        hosts: { cooldownMs: 10_000, budgetMs: 15_000 },
      },
      sleep: clock.sleep,
      now: clock.now,
      random: () => 0.5,
    };
    return () => rm(dir, { recursive: true, force: true });
  });

  it('counts every request sent for it, free ones included, and says "not tried" only when none was', async () => {
    // Prepare: 12 images on a host that answers 503 to everything, with 15 s of pauses allowed
    const urls = server.images(12);
    // Act
    const out = await runDownload(batchOf(urls), deps);
    // Assess
    const all = records(out);
    expect(all.map(reasonOf)).toEqual(Array(12).fill('host_unavailable'));
    const claimed = all.map((r) => noted(r.detail));
    const seen = urls.map((url) => server.hits(new URL(url).pathname));
    expect(claimed).toEqual(seen);
    // the images whose only request failed while the host was being paused were sent, not "not tried"
    expect(seen.filter((n) => n > 0).length).toBeGreaterThan(4);
    expect(claimed.filter((n) => n === 0).length).toBeGreaterThan(0);
  });

  it('keeps the note when the detail is cut to its longest (long URLs)', async () => {
    // Prepare
    const urls = server.images(12).map((url) => `${url}?${'x'.repeat(180)}`);
    // Act
    const out = await runDownload(batchOf(urls), deps);
    // Assess
    const all = records(out);
    expect(all.every((r) => (r.detail?.length ?? 0) <= 300)).toBe(true);
    const seen = urls.map((url) => server.hits(new URL(url).pathname + new URL(url).search));
    expect(all.map((r) => noted(r.detail))).toEqual(seen);
  });

  it('counts the requests of earlier passes of the run too', async () => {
    // Prepare: the first pass may not wait for the host: its images are handed on once it is paused (the run's
    // host health is shared by its passes, as in a local run)
    const urls = server.images(12);
    const health = new HostHealth(deps.settings.hosts, clock.now, clock.sleep);
    deps = { ...deps, health };
    const first = await runDownload(batchOf(urls), { ...deps, deadline: clock.now() + 1000 });
    expect(first.deferral?.images).toBeGreaterThan(0);
    const sentInFirst = urls.map((url) => server.hits(new URL(url).pathname));
    // Act: the next pass, after the wait, finds the host failing still and its budget spent
    clock.advance((first.deferral?.waitSeconds ?? 0) * 1000);
    const second = await runDownload(first, deps);
    // Assess
    const all = records(second);
    expect(all.map(reasonOf)).toEqual(Array(12).fill('host_unavailable'));
    const seen = urls.map((url) => server.hits(new URL(url).pathname));
    expect(all.map((r) => noted(r.detail))).toEqual(seen);
    // images sent in both passes: their notes count both
    expect(
      seen.filter((n, i) => (sentInFirst[i] ?? 0) > 0 && n > (sentInFirst[i] ?? 0)).length,
    ).toBeGreaterThan(0);
  });

  it('counts the later passes that settle none of their images, towards the last pass', async () => {
    // Prepare: a first pass hands its images on once the host is paused
    const urls = server.images(6);
    const health = new HostHealth(deps.settings.hosts, clock.now, clock.sleep);
    deps = { ...deps, health };
    const first = await runDownload(batchOf(urls), { ...deps, deadline: clock.now() + 1000 });
    // Act: two more passes while the host is still paused
    const second = await runDownload(first, { ...deps, deadline: clock.now() + 1000 });
    const third = await runDownload(second, { ...deps, deadline: clock.now() + 1000 });
    // Assess
    expect(first.deferral).toMatchObject({ images: 6, passes: 1 });
    expect(first.deferral?.stalled).toBeUndefined();
    expect(second.deferral).toMatchObject({ images: 6, passes: 2, stalled: 1 });
    expect(third.deferral).toMatchObject({ images: 6, passes: 3, stalled: 2 });
  });

  it('fails, within the time it has, the images of the last pass whose host is still paused', async () => {
    // Prepare: a first pass hands its images on once the host is paused; the run is at its last pass
    const urls = server.images(6);
    const health = new HostHealth(deps.settings.hosts, clock.now, clock.sleep);
    deps = { ...deps, health };
    const first = await runDownload(batchOf(urls), { ...deps, deadline: clock.now() + 1000 });
    expect(first.deferral?.images).toBe(6);
    const last = { ...first, deferral: { ...first.deferral, stalled: MAX_STALLED_PASSES - 1 } } as Batch;
    const deadline = clock.now() + 1000;
    // Act: the host is paused past what the invocation has left
    const out = await runDownload(last, { ...deps, deadline });
    // Assess: nothing handed on, nothing waited past the deadline, each image says why it failed
    expect(out.deferral).toBeUndefined();
    expect(clock.now()).toBeLessThanOrEqual(deadline);
    const all = records(out);
    expect(all.map(reasonOf)).toEqual(Array(6).fill('host_unavailable'));
    expect(
      all.every((r) => /paused until .+, past the time left to the run's last pass/.test(r.detail ?? '')),
    ).toBe(true);
    expect(all.map((r) => noted(r.detail))).toEqual(urls.map((url) => server.hits(new URL(url).pathname)));
  });
});
