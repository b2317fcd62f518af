import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport } from '#cli/run-report.ts';
import { loadConfig } from '#core/config.ts';
import { INGEST_STATES as S } from '#infra/ingest-states.ts';
import { runIngestion } from '#local/ingest.ts';
import { createLocalRuntime, type LocalRuntime } from '#local/runtime.ts';
import { createLocalStageHandlers } from '#local/stage-handlers.ts';
import { resolveModels } from '#models/resolve.ts';
import { type PausedHostServer, startPausedHostServer } from '#test/support/paused-host-server.ts';

// The cloud's path for a paused host, run locally through the synthesized state machine: a download
// invocation whose time runs out hands the paused host's images back; the child workflow waits (a Wait
// state) and a second download pass tries only those. The invocation is made short so that this happens.

let dir: string;
let server: PausedHostServer;
let rt: LocalRuntime;
// The download keeps its request timeout (1 s) plus 30 s for its last request and the batch: 31.5 s leaves
// half a second in which to wait for a paused host before handing its images on.
const INVOCATION_MS = 31_500;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-deferred-'));
  server = await startPausedHostServer();
  const config = loadConfig({
    THREADFINDER_MODELS: 'test',
    THREADFINDER_DATA_DIR: dir,
    THREADFINDER_DOWNLOAD_TIMEOUT_MS: '1000',
    THREADFINDER_HOST_PAUSE_BUDGET_MS: '3000',
  });
  rt = await createLocalRuntime(config, await resolveModels(config), { allowAddresses: ['127.0.0.1'] });
}, 120_000);

afterAll(async () => {
  await rt?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function putCatalog(name: string, count: number): Promise<string> {
  const rows = server.images(count, name.length * 1000).map((url, i) => `${name}${i},${url}`);
  const key = `catalogs/${name}.csv`;
  await rt.blobs.put(key, new TextEncoder().encode(`product_id,image_url\n${rows.join('\n')}\n`));
  return key;
}

async function ingest(catalogKey: string) {
  const calls: string[] = [];
  const handlers = createLocalStageHandlers(rt, {}, { downloadInvocationMs: INVOCATION_MS });
  const report = await runIngestion(
    {
      ...handlers,
      download: (event) => {
        calls.push('Items' in (event as object) ? S.download : S.downloadDeferred);
        return handlers.download(event);
      },
    },
    rt.blobs,
    { catalogKey, batchSize: 8 },
  );
  return { report, calls };
}

describe('a paused host in a local run of the state machine', () => {
  it('defers its images to a second download pass after a Wait, and stores them all', async () => {
    // Prepare: the host throttles every request for its first second, asking for 2 s
    const catalogKey = await putCatalog('t', 6);
    server.reset((_, since) => (since < 1000 ? { status: 429, retryAfter: '2' } : 'image'));
    // Act
    const started = Date.now();
    const { report, calls } = await ingest(catalogKey);
    console.log(`  deferred pass after a 2 s throttle: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // Assess
    expect(calls).toEqual([S.download, S.downloadDeferred]);
    expect(report.outcome).toBe('complete');
    expect(report.summary.productsStored).toBe(6);
    expect(report.summary.images.deferred).toBe(6);
    const [pause, ...others] = report.summary.hostPauses;
    expect(others).toEqual([]);
    expect(pause).toMatchObject({ host: server.host, pauses: 1, reasons: ['HTTP 429 with Retry-After 2 s'] });
    expect(pause?.pausedMs).toBeGreaterThanOrEqual(2000);
    // the 429s already in flight when the first paused the host each extend the pause by their spread
    expect(pause?.pausedMs).toBeLessThan(2450);
    const lines = formatReport(report, { file: 'throttled.csv', catalogErrors: 0 }).join('\n');
    expect(lines).toMatch(/images deferred \(waited for a paused host\): 6/);
    expect(lines).toMatch(
      new RegExp(
        `host ${server.host} paused 2 s in all \\(1 pause\\): HTTP 429 with Retry-After 2 s; ` +
          'then paced, at [0-9.]+ requests/s at the slowest',
      ),
    );
    expect(pause?.pacedTo).toBeGreaterThan(0);
  }, 60_000);

  it('fails the images of a host that never recovers as host_unavailable once its budget is spent', async () => {
    // Prepare
    const catalogKey = await putCatalog('dead', 6);
    server.reset(() => ({ status: 503 }));
    // Act
    const { report } = await ingest(catalogKey);
    // Assess
    expect(report.summary.productsStored).toBe(0);
    expect(report.summary.images.failed.host_unavailable).toBe(6);
    expect(report.summary.hostPauses[0]).toMatchObject({ host: server.host, gaveUp: true, pausedMs: 3000 });
    const lines = formatReport(report, { file: 'dead.csv', catalogErrors: 0 }).join('\n');
    expect(lines).toMatch(/host_unavailable 6/);
    expect(lines).toMatch(/pause budget spent: images still waiting for it failed as host_unavailable/);
  }, 60_000);
});
