import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#core/config.ts';
import { INGEST_STATES as S } from '#infra/ingest-states.ts';
import { runIngestion } from '#local/ingest.ts';
import { createLocalRuntime, type LocalRuntime } from '#local/runtime.ts';
import { createLocalStageHandlers, localLogFile, type StageHandlers } from '#local/stage-handlers.ts';
import { resolveModels } from '#models/resolve.ts';
import { type MisbehavingServer, startMisbehavingServer } from '#test/support/misbehaving-server.ts';

// The tolerance Choice of the synthesized definition (toleratedFailurePercentage, 10 by default), exercised by
// the local execution with the real handlers: every child catches its failure, so only the Choice after the
// aggregate step can fail the run.

let dir: string;
let images: MisbehavingServer;
let rt: LocalRuntime;
const noWait = { [S.download]: 0, [S.segment]: 0, [S.embed]: 0, [S.aggregate]: 0, [S.prepare]: 0 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-tolerance-'));
  images = await startMisbehavingServer();
  const config = loadConfig({ THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: dir });
  rt = await createLocalRuntime(config, await resolveModels(config), { allowAddresses: ['127.0.0.1'] });
}, 120_000);

afterAll(async () => {
  await rt?.close();
  await images?.close();
  await rm(dir, { recursive: true, force: true });
});

async function putCatalog(ids: string[], key: string): Promise<string> {
  const rows = ids.map((id) => `${id},${images.url}/ok.jpg?${id},tops`);
  await rt.blobs.put(key, new TextEncoder().encode(`product_id,image_url,category\n${rows.join('\n')}\n`));
  return key;
}

/** The real handlers, with a download that fails (after its retries) for the products in `failing`. */
function downloadFailingFor(failing: (id: string) => boolean): StageHandlers {
  const real = createLocalStageHandlers(rt);
  return {
    ...real,
    download: async (event) => {
      const ids = (event as { Items: { id: string }[] }).Items.map((i) => i.id);
      if (ids.some(failing)) throw new Error('out of memory (simulated)');
      return real.download(event);
    },
  };
}

describe('failure tolerance, run locally through the synthesized definition', () => {
  it('ends FAILED (incomplete) when every batch fails, although each child caught its failure', async () => {
    // Prepare
    const catalogKey = await putCatalog(['x1', 'x2', 'x3', 'x4'], 'catalogs/all-fail.csv');
    // Act
    const report = await runIngestion(
      downloadFailingFor(() => true),
      rt.blobs,
      { catalogKey, batchSize: 1, retryIntervalOverrides: noWait },
    );
    // Assess
    expect(report.outcome).toBe('incomplete');
    expect(report.summary.productsStored).toBe(0);
    expect(report.summary.batchesNotEmbedded).toHaveLength(4);
    // The Lambdas' Powertools lines (the failing download here is the test's own), in the data dir's log file
    const lines = (await readFile(localLogFile(dir), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'prepare done', runId: report.runId, catalog: expect.anything() }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'aggregate done',
        runId: report.runId,
        batches: expect.objectContaining({ notEmbedded: 4, failedPercent: 100 }),
      }),
    );
  }, 90_000);

  it('ends SUCCEEDED (complete) when the failed share stays at or below the tolerance', async () => {
    // Prepare: 1 batch of 11 fails: 9.09% <= 10%
    const ids = Array.from({ length: 11 }, (_, i) => `y${i}`);
    const catalogKey = await putCatalog(ids, 'catalogs/one-fails.csv');
    // Act
    const report = await runIngestion(
      downloadFailingFor((id) => id === 'y0'),
      rt.blobs,
      { catalogKey, batchSize: 1, retryIntervalOverrides: noWait, mapConcurrency: 4 },
    );
    // Assess
    expect(report.outcome).toBe('complete');
    expect(report.summary.productsStored).toBe(10);
    expect(report.summary.batchesNotEmbedded).toHaveLength(1);
  }, 120_000);
});
