import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ingestCatalogFile } from '#cli/run-ingest.ts';
import { loadConfig } from '#core/config.ts';
import { InputError } from '#core/errors.ts';
import { LOCK_CONDITIONS, INGEST_STATES as S } from '#infra/ingest-states.ts';
import { IngestionRunningError, runIngestion } from '#local/ingest.ts';
import { createLocalLockTable, type LockOwner } from '#local/local-lock.ts';
import { createLocalRuntime, type LocalRuntime } from '#local/runtime.ts';
import { createLocalStageHandlers, type StageHandlers } from '#local/stage-handlers.ts';
import { resolveModels } from '#models/resolve.ts';
import { type MisbehavingServer, startMisbehavingServer } from '#test/support/misbehaving-server.ts';

// The local runner executes the state machine `cdk synth` produces (synthesized in-process), with the real
// handlers over a real runtime (stand-in models, local disk); only the failures are injected.

let dir: string;
let images: MisbehavingServer;
let rt: LocalRuntime;
const noWait = { [S.download]: 0, [S.segment]: 0, [S.embed]: 0, [S.aggregate]: 0, [S.prepare]: 0 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-ingestion-'));
  images = await startMisbehavingServer();
  const config = loadConfig({
    THREADFINDER_MODELS: 'test',
    THREADFINDER_DATA_DIR: dir,
    THREADFINDER_BATCH_SIZE: '2',
  });
  rt = await createLocalRuntime(config, await resolveModels(config), { allowAddresses: ['127.0.0.1'] });
}, 120_000);

afterAll(async () => {
  await rt?.close();
  await images?.close();
  await rm(dir, { recursive: true, force: true });
});

async function putCatalog(ids: string[], key = 'catalogs/shop.csv'): Promise<string> {
  const rows = ids.map(
    (id, i) => `${id},${images.url}/${i % 2 ? 'ok.png' : 'ok.jpg'}?${id},${i % 2 ? 'tops' : 'shoes'}`,
  );
  await rt.blobs.put(key, new TextEncoder().encode(`product_id,image_url,category\n${rows.join('\n')}\n`));
  return key;
}

/** The real handlers, with a download that fails for batches holding `failFor` (counting its calls). */
function handlersFailing(failFor: string, error: () => Error = () => new Error('socket hang up')) {
  const real = createLocalStageHandlers(rt);
  const calls = { failing: 0 };
  const handlers: StageHandlers = {
    ...real,
    download: async (event) => {
      const ids = (event as { Items: { id: string }[] }).Items.map((i) => i.id);
      if (ids.includes(failFor)) {
        calls.failing++;
        throw error();
      }
      return real.download(event);
    },
  };
  return { handlers, calls };
}

describe('local ingestion through the synthesized state machine', () => {
  beforeEach(async () => {
    for (const id of await collect(rt.store.listIds())) await rt.store.delete([id]);
  });

  it('stores every product of a healthy catalog, in batches of the configured size', async () => {
    // Prepare
    const catalogKey = await putCatalog(['a1', 'a2', 'a3', 'a4', 'a5']);
    const batches: number[] = [];
    // Act
    const report = await runIngestion(createLocalStageHandlers(rt), rt.blobs, {
      catalogKey,
      batchSize: 2,
      onMapProgress: (p) => {
        if (p.event === 'batch-started') batches.push(p.batch?.itemCount ?? 0);
      },
    });
    // Assess
    expect(report.outcome).toBe('complete');
    expect(report.summary.productsStored).toBe(5);
    expect(batches.sort()).toEqual([1, 2, 2]);
    expect(await rt.store.count()).toBe(5);
  }, 60_000);

  it('refuses a product too big for a batch by its line, and stores the others', async () => {
    // Prepare: one row whose metadata fits each field's cap but not a batch (about 100 KB in all)
    const long = Array.from({ length: 50 }, (_, i) => `f${i}`);
    const big = `big,${images.url}/ok.jpg?big,${long.map(() => 'x'.repeat(2000)).join(',')}`;
    const small = Array.from(
      { length: 6 },
      (_, i) => `s${i},${images.url}/ok.jpg?s${i},${long.map(() => 'v').join(',')}`,
    );
    const key = 'catalogs/wide.csv';
    const header = `product_id,image_url,${long.join(',')}`;
    await rt.blobs.put(key, new TextEncoder().encode(`${header}\n${big}\n${small.join('\n')}\n`));
    // Act
    const report = await runIngestion(createLocalStageHandlers(rt), rt.blobs, {
      catalogKey: key,
      batchSize: 4,
    });
    // Assess
    expect(report.outcome).toBe('complete');
    expect(report.summary.productsStored).toBe(6);
    expect(report.prepared.catalogErrors).toBe(1);
    expect(report.prepared.firstProblems.join('\n')).toMatch(
      /:2: product "big" takes \d+ bytes as a pipeline item, over the 32768-byte limit/,
    );
    expect(await rt.store.get('big')).toBeNull();
  }, 60_000);

  it('retries a failing batch, then records it and stores the other batches', async () => {
    // Prepare
    const catalogKey = await putCatalog(['b1', 'b2', 'b3', 'b4', 'b5', 'b6']);
    const { handlers, calls } = handlersFailing('b3');
    // Act
    const report = await runIngestion(handlers, rt.blobs, {
      catalogKey,
      batchSize: 2,
      retryIntervalOverrides: noWait,
    });
    // Assess
    expect(calls.failing).toBe(3); // the first try and the state machine's 2 retries
    // One batch of three failed: 33% is over the 10% tolerance, so the run ends incomplete (the rest stored).
    expect(report.outcome).toBe('incomplete');
    expect(report.summary.productsStored).toBe(4);
    expect(report.summary.batchesNotEmbedded).toEqual([
      expect.objectContaining({
        productIds: ['b3', 'b4'],
        error: 'Error',
        cause: expect.stringMatching(/socket hang up/),
      }),
    ]);
    expect(await rt.store.get('b3')).toBeNull();
    expect(await rt.store.get('b5')).not.toBeNull();
  }, 60_000);

  it('does not retry bad input (InputError) and records it at once', async () => {
    // Prepare
    const catalogKey = await putCatalog(['c1', 'c2', 'c3', 'c4']);
    const { handlers, calls } = handlersFailing(
      'c1',
      () => new InputError('invalid batch event', 'invalid_event'),
    );
    // Act
    const report = await runIngestion(handlers, rt.blobs, {
      catalogKey,
      batchSize: 2,
      retryIntervalOverrides: noWait,
    });
    // Assess
    expect(calls.failing).toBe(1);
    expect(report.summary.batchesNotEmbedded[0]).toMatchObject({
      productIds: ['c1', 'c2'],
      error: 'InputError',
    });
    expect(report.summary.productsStored).toBe(2);
  }, 60_000);

  it('skips an asked-for prune when a batch failed, and prunes after a clean run', async () => {
    // Prepare
    await runIngestion(createLocalStageHandlers(rt), rt.blobs, {
      catalogKey: await putCatalog(['d1', 'd2', 'd3']),
      batchSize: 2,
    });
    const smaller = await putCatalog(['d1', 'd2']);
    const { handlers } = handlersFailing('d1');
    // Act
    const failed = await runIngestion(handlers, rt.blobs, {
      catalogKey: smaller,
      batchSize: 2,
      prune: true,
      retryIntervalOverrides: noWait,
    });
    const afterFailure = await rt.store.get('d3');
    const clean = await runIngestion(createLocalStageHandlers(rt), rt.blobs, {
      catalogKey: smaller,
      batchSize: 2,
      prune: true,
    });
    // Assess
    expect(failed.summary.pruneSkipped).toMatch(/prune skipped/);
    expect(afterFailure).not.toBeNull();
    expect(clean.summary.productsPruned).toBe(1);
    expect(await rt.store.get('d3')).toBeNull();
  }, 90_000);

  it('ends incomplete when more batches fail than tolerated, storing what was embedded and releasing the lock', async () => {
    // Prepare: a child execution that fails outright (a result over the 256 KB state limit is not catchable)
    // counts against the Map's 10% tolerance; one batch of three is 33%.
    const catalogKey = await putCatalog(['e1', 'e2', 'e3', 'e4', 'e5', 'e6'], 'catalogs/tolerance.csv');
    const real = createLocalStageHandlers(rt);
    const handlers: StageHandlers = {
      ...real,
      download: async (event) => {
        const batch = await real.download(event);
        if (!batch.items.some((p) => p.id === 'e5')) return batch;
        return {
          ...batch,
          items: batch.items.map((p) => ({ ...p, metadata: { padding: 'x'.repeat(300_000) } })),
        };
      },
    };
    // Act
    const report = await runIngestion(handlers, rt.blobs, {
      catalogKey,
      batchSize: 2,
      retryIntervalOverrides: noWait,
      mapConcurrency: 1,
    });
    const again = await runIngestion(createLocalStageHandlers(rt), rt.blobs, { catalogKey, batchSize: 2 });
    // Assess
    expect(report.outcome).toBe('incomplete');
    expect(report.summary.productsStored).toBe(4);
    expect(report.summary.batchesNotEmbedded).toEqual([
      expect.objectContaining({ productIds: ['e5', 'e6'], error: 'States.DataLimitExceeded' }),
    ]);
    expect(again.outcome).toBe('complete');
    expect(again.summary.productsStored).toBe(6);
  }, 90_000);

  it('refuses a second ingestion while the lock holder runs, and takes over from a holder that died', async () => {
    // Prepare: another execution, in a live process (this one), holds the catalog's lock for an hour.
    const catalogKey = await putCatalog(['f1']);
    const locks = path.join(dir, 'locks');
    const now = Math.floor(Date.now() / 1000);
    const hold = (owner: LockOwner, arn: string) =>
      createLocalLockTable(locks, owner).putItem({
        Item: { pk: { S: catalogKey }, executionArn: { S: arn }, expiresAt: { N: String(now + 3600) } },
        ConditionExpression: LOCK_CONDITIONS.acquire,
        ExpressionAttributeValues: { ':now': { N: String(now) }, ':me': { S: arn } },
      });
    await hold({ pid: process.pid, host: os.hostname() }, 'arn:live-run');
    // Act
    const refused = runIngestion(createLocalStageHandlers(rt), rt.blobs, { catalogKey, batchSize: 2 });
    // Assess
    await expect(refused).rejects.toBeInstanceOf(IngestionRunningError);
    expect(await rt.store.get('f1')).toBeNull();

    // Prepare: the holder was killed (kill -9): its process is gone, its lock still unexpired.
    await unlink(path.join(locks, (await readdir(locks))[0] as string));
    await hold({ pid: await deadPid(), host: os.hostname() }, 'arn:killed-run');
    // Act
    const report = await runIngestion(createLocalStageHandlers(rt), rt.blobs, { catalogKey, batchSize: 2 });
    // Assess
    expect(report.summary.productsStored).toBe(1);
    expect(await readdir(locks)).toEqual([]);
  }, 60_000);

  it('takes an expired lock', async () => {
    // Prepare
    const catalogKey = await putCatalog(['h1']);
    const now = Math.floor(Date.now() / 1000);
    await createLocalLockTable(path.join(dir, 'locks'), { pid: process.pid, host: os.hostname() }).putItem({
      Item: { pk: { S: catalogKey }, executionArn: { S: 'arn:old' }, expiresAt: { N: String(now - 60) } },
      ConditionExpression: LOCK_CONDITIONS.acquire,
      ExpressionAttributeValues: { ':now': { N: String(now - 7200) }, ':me': { S: 'arn:old' } },
    });
    // Act
    const report = await runIngestion(createLocalStageHandlers(rt), rt.blobs, { catalogKey, batchSize: 2 });
    // Assess
    expect(report.summary.productsStored).toBe(1);
  }, 60_000);

  it('stops starting batches when interrupted, stores what finished, and counts the rest as not processed', async () => {
    // Prepare
    const catalogKey = await putCatalog(['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7', 'g8']);
    const stop = new AbortController();
    // Act
    const report = await runIngestion(createLocalStageHandlers(rt), rt.blobs, {
      catalogKey,
      batchSize: 2,
      mapConcurrency: 1,
      signal: stop.signal,
      onMapProgress: (p) => {
        if (p.event === 'batch-finished') stop.abort();
      },
    });
    // Assess
    expect(report.outcome).toBe('incomplete');
    expect(report.summary.productsStored).toBe(2);
    expect(report.notProcessed).toBe(6);
  }, 60_000);

  it('refuses an unusable catalog with its own error, at once (no retry), before taking the lock', async () => {
    // Prepare
    await rt.blobs.put('catalogs/empty.csv', new Uint8Array(0));
    const real = createLocalStageHandlers(rt);
    let prepares = 0;
    const handlers: StageHandlers = {
      ...real,
      prepare: (event) => {
        prepares++;
        return real.prepare(event);
      },
    };
    // Act
    const run = runIngestion(handlers, rt.blobs, { catalogKey: 'catalogs/empty.csv', batchSize: 2 });
    // Assess
    await expect(run).rejects.toThrow(/catalogs\/empty\.csv:1: the catalog is empty/);
    expect(prepares).toBe(1);
  }, 60_000);
});

describe('local ingestion of a catalog file', () => {
  it('refuses a missing file and a folder by name, before running anything', async () => {
    await expect(ingestCatalogFile(rt, { file: path.join(dir, 'nope.csv'), log: () => {} })).rejects.toThrow(
      /catalog file not found: .*nope\.csv/,
    );
    await expect(ingestCatalogFile(rt, { file: dir, log: () => {} })).rejects.toThrow(/is not a file/);
  });
});

/** The pid of a process that has exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['-e', ''], (error) =>
      error ? reject(error) : resolve(child.pid as number),
    );
  });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
