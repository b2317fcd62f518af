import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ingestCatalogFile } from '#cli/run-ingest.ts';
import { loadConfig } from '#core/config.ts';
import { EnvironmentFaultError } from '#core/env-fault.ts';
import { INGEST_STATES as S } from '#infra/ingest-states.ts';
import { runIngestion } from '#local/ingest.ts';
import { createLocalRuntime, type LocalRuntime } from '#local/runtime.ts';
import { createLocalStageHandlers } from '#local/stage-handlers.ts';
import { resolveModels } from '#models/resolve.ts';
import { type MisbehavingServer, startMisbehavingServer } from '#test/support/misbehaving-server.ts';
import { FaultyBlobStore } from './faulty-blob-store.ts';
import { faultyUpserts } from './faulty-vector-store.ts';
import { FAULT_CASES } from './system-error.ts';

// A local run through the synthesized state machine, with the real handlers over a real runtime (stand-in
// models, local disk), whose blob store or vector store faults: the first fault stops the run, names itself,
// and a run after the fault is cleared stores everything.

let root: string;
let images: MisbehavingServer;
const runtimes: LocalRuntime[] = [];
const noWait = { [S.download]: 0, [S.segment]: 0, [S.embed]: 0, [S.aggregate]: 0, [S.prepare]: 0 };
const silent = () => Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tf-run-faults-'));
  images = await startMisbehavingServer();
});

afterEach(async () => {
  for (const rt of runtimes.splice(0)) await rt.close();
});

afterAll(async () => {
  await images?.close();
  await rm(root, { recursive: true, force: true });
});

/** A runtime on a fresh data folder (shared stand-in models) whose blob store can be made to fault. */
async function freshRuntime() {
  const dataDir = await mkdtemp(path.join(root, 'data-'));
  const config = loadConfig({
    THREADFINDER_MODELS: 'test',
    THREADFINDER_DATA_DIR: dataDir,
    THREADFINDER_MODELS_DIR: path.join(root, 'models'),
    THREADFINDER_BATCH_SIZE: '2',
  });
  const rt = await createLocalRuntime(config, await resolveModels(config), { allowAddresses: ['127.0.0.1'] });
  runtimes.push(rt);
  const blobs = new FaultyBlobStore(rt.blobs, path.join(dataDir, 'blobs'));
  return { rt, blobs, faulty: { ...rt, blobs } as LocalRuntime };
}

function catalogCsv(count: number): string {
  const rows = Array.from(
    { length: count },
    (_, i) => `p${i},${images.url}/${i % 2 ? 'ok.png' : 'ok.jpg'}?${i}`,
  );
  return `product_id,image_url\n${rows.join('\n')}\n`;
}

async function putCatalog(rt: LocalRuntime, count: number): Promise<string> {
  await rt.blobs.put('catalogs/shop.csv', new TextEncoder().encode(catalogCsv(count)));
  return 'catalogs/shop.csv';
}

/** Runs the catalog one batch at a time, counting the batches started. */
async function ingest(rt: LocalRuntime, blobs: FaultyBlobStore, runId?: string) {
  const started = { batches: 0 };
  const report = await runIngestion(createLocalStageHandlers({ ...rt, blobs }), blobs, {
    catalogKey: 'catalogs/shop.csv',
    batchSize: 2,
    mapConcurrency: 1,
    retryIntervalOverrides: noWait,
    ...(runId && { runId }),
    onMapProgress: (p) => {
      if (p.event === 'batch-started') started.batches++;
    },
  });
  return { report, started };
}

describe('a local run whose blob store faults', () => {
  it.each(FAULT_CASES)(
    'stops at the first $code writing a mask, blaming no image',
    async (c) => {
      // Prepare: 5 batches of 2
      const { rt, blobs } = await freshRuntime();
      await putCatalog(rt, 10);
      blobs.inject({ code: c.code, ops: ['put'], prefix: 'masked/' });
      // Act
      const { report, started } = await ingest(rt, blobs);
      // Assess
      expect(report.fault).toBeInstanceOf(EnvironmentFaultError);
      expect(report.fault).toMatchObject({ kind: c.kind, code: c.code });
      expect(report.fault?.message).toMatch(c.words);
      expect(report.outcome).toBe('incomplete');
      expect(started.batches).toBe(1); // no new batch started
      expect(blobs.failures).toBe(1); // and the failing one was not retried
      expect(report.notProcessed).toBe(8);
      expect(report.summary.images.failed.segment_failed).toBe(0);
      expect(report.summary.batchesNotEmbedded).toContainEqual(
        expect.objectContaining({ productIds: ['p0', 'p1'], error: 'EnvironmentFault' }),
      );
    },
    60_000,
  );

  it.each([
    { stage: 'download', prefix: 'originals/' },
    { stage: 'embed', prefix: 'runs/run-embed-fault/embedded/' },
  ])(
    'stops at a full disk in $stage, storing what was embedded; a re-run stores everything',
    async (c) => {
      // Prepare: the third batch's write fails
      const { rt, blobs } = await freshRuntime();
      await putCatalog(rt, 10);
      blobs.inject({ code: 'ENOSPC', ops: ['put'], prefix: c.prefix, after: c.stage === 'embed' ? 2 : 0 });
      // Act
      const first = await ingest(rt, blobs, 'run-embed-fault');
      blobs.clear();
      const second = await ingest(rt, blobs);
      // Assess
      expect(first.report.fault?.message).toMatch(
        new RegExp(`^disk full while writing ${path.join(rt.config.dataDir, 'blobs', c.prefix)}`),
      );
      expect(first.report.summary.productsStored).toBe(c.stage === 'embed' ? 4 : 0);
      expect(first.started.batches).toBe(c.stage === 'embed' ? 3 : 1);
      expect(second.report.fault).toBeUndefined();
      expect(second.report.outcome).toBe('complete');
      expect(await rt.store.count()).toBe(10);
    },
    60_000,
  );
  it('throws a fault met before the catalog is prepared, and a re-run goes ahead', async () => {
    // Prepare: the run's item list cannot be written
    const { rt, blobs } = await freshRuntime();
    await putCatalog(rt, 4);
    blobs.inject({ code: 'EROFS', ops: ['put'], prefix: 'runs/' });
    // Act
    const act = ingest(rt, blobs);
    // Assess
    await expect(act).rejects.toThrow(EnvironmentFaultError);
    await expect(act).rejects.toThrow(/^read-only file system while writing .*\/blobs\/runs\//);
    blobs.clear();
    expect((await ingest(rt, blobs)).report.summary.productsStored).toBe(4);
  }, 60_000);
});

describe('a local run whose vector store faults', () => {
  it('stops, names the index folder and the fault, keeps the index usable; a re-run stores everything', async () => {
    // Prepare
    const { rt } = await freshRuntime();
    const file = path.join(rt.config.dataDir, 'shop.csv');
    await writeFile(file, catalogCsv(6));
    const { store, faulty } = faultyUpserts(rt.store);
    const logs: string[] = [];
    const run = (r: LocalRuntime) =>
      ingestCatalogFile(r, {
        file,
        log: (l) => logs.push(l),
        progressStream: silent(),
        retryIntervalOverrides: noWait,
      });
    // Act
    const failed = run({ ...rt, store });
    await expect(failed).rejects.toThrow(EnvironmentFaultError);
    const upsertsWhileFull = faulty.upserts;
    faulty.on = false;
    const report = await run(rt);
    // Assess
    await expect(failed).rejects.toThrow(
      `disk full while writing ${path.join(rt.config.dataDir, 'index')}: free space, or inodes if df -i shows none left, and run the same command again`,
    );
    expect(upsertsWhileFull).toBe(1); // the aggregate step was not retried
    expect(logs).toContainEqual(expect.stringMatching(/stopped by an environment fault \(ENOSPC\)/));
    expect(logs.join('\n')).not.toMatch(/too many batches failed/);
    expect(report.summary.productsStored).toBe(6);
    expect(await rt.store.count()).toBe(6);
  }, 60_000);
});
