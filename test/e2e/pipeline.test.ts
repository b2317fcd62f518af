import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestCatalogFile } from '#cli/run-ingest.ts';
import { type SampleSource, startSampleSource } from '#cli/sample-source.ts';
import { loadConfig } from '#core/config.ts';
import type { ProductRecord } from '#core/types.ts';
import type { IngestReport } from '#local/ingest.ts';
import { createLocalRuntime, type LocalRuntime } from '#local/runtime.ts';
import { serveSearch } from '#local/serve-search.ts';
import { resolveModels } from '#models/resolve.ts';

// The walking skeleton end to end: drawn sample catalog served on loopback -> download -> segment -> embed ->
// aggregate -> embedded store -> HTTP API, with the generated stand-in models.

let dataDir: string;
let sample: SampleSource;
let rt: LocalRuntime;
let report: IngestReport;
const logs: string[] = [];

const silent = () => Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;

async function openRuntime(): Promise<LocalRuntime> {
  const config = loadConfig({ THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: dataDir });
  return createLocalRuntime(config, await resolveModels(config), { allowAddresses: [sample.address] });
}

async function ingest(): Promise<IngestReport> {
  return ingestCatalogFile(rt, {
    file: sample.catalogFile,
    log: (l) => logs.push(l),
    progressStream: silent(),
  });
}

async function snapshot(ids: string[]): Promise<Map<string, ProductRecord | null>> {
  return new Map(await Promise.all(ids.map(async (id) => [id, await rt.store.get(id)] as const)));
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tf-e2e-'));
  sample = await startSampleSource(dataDir);
  rt = await openRuntime();
  report = await ingest();
}, 300_000);

afterAll(async () => {
  await rt?.close();
  await sample?.server.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('ingesting the sample catalog', () => {
  it('stores every product, keeps the one with a missing image, and reports the failure by reason', () => {
    expect(report.summary.productsStored).toBe(30);
    expect(report.summary.productsPartial).toBe(1);
    expect(report.summary.images.ok).toBe(89);
    expect(report.summary.images.failed.not_found).toBe(1);
    expect(report.summary.batchesNotEmbedded).toEqual([]);
    expect(report.outcome).toBe('complete');
    expect(logs.join('\n')).toMatch(/products stored: 30 .*\n.*images: 89 ok, 1 failed \(not_found 1\)/);
  });

  it('keeps a product with one failed image with its two good ones', async () => {
    const partial = await rt.store.get('s002');
    expect(partial?.imagesUsed).toBe(2);
    expect(partial?.images).toHaveLength(3);
  });
});

describe('the search API over the ingested store', () => {
  it('answers a text query with the best product, its images in catalog order, and 5 alternatives', async () => {
    // Prepare
    const server = await serveSearch(rt, { port: 0 });
    try {
      // Act
      const res = await fetch(`${server.url}/api/search?q=red%20striped%20shirt`);
      const body = (await res.json()) as {
        query: string;
        best: { id: string; images: string[]; score: number };
        alternatives: { id: string; score: number }[];
      };
      const empty = await fetch(`${server.url}/api/search?q=`);
      const health = await fetch(`${server.url}/healthz`);

      // Assess
      expect(res.status).toBe(200);
      expect(body.query).toBe('red striped shirt');
      expect(body.best.images).toHaveLength(3);
      const stored = await rt.store.get(body.best.id);
      expect(body.best.images).toEqual(stored?.images);
      expect(body.best.images.every((u) => u.startsWith(sample.server.url))).toBe(true);
      expect(body.alternatives).toHaveLength(5);
      expect(body.alternatives.map((a) => a.id)).not.toContain(body.best.id);
      const scores = body.alternatives.map((a) => a.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(empty.status).toBe(400);
      expect(((await empty.json()) as { error: { code: string } }).error.code).toBe('empty_query');
      expect(health.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('re-ingestion and restarts', () => {
  it('leaves the same store when the same catalog is ingested again', async () => {
    // Prepare
    const ids = Array.from({ length: 30 }, (_, i) => `s${String(i + 1).padStart(3, '0')}`);
    const before = await snapshot(ids);
    let segmentCalls = 0;
    let segmenterLoads = 0;
    const segmenter = await rt.segmenter();
    rt.segmenter = async () => {
      segmenterLoads++;
      return {
        modelId: segmenter.modelId,
        segment: (image) => {
          segmentCalls++;
          return segmenter.segment(image);
        },
      };
    };

    // Act
    const again = await ingest();

    // Assess
    expect(again.summary.productsStored).toBe(30);
    expect(await rt.store.count()).toBe(30);
    expect(segmenterLoads).toBeGreaterThan(0); // the segment stage ran with this segmenter...
    expect(segmentCalls).toBe(0); // ...and reused every mask instead of calling it
    const after = await snapshot(ids);
    for (const id of ids) {
      expect(after.get(id)?.images).toEqual(before.get(id)?.images);
      expect([...(after.get(id)?.vector ?? [])]).toEqual([...(before.get(id)?.vector ?? [])]);
    }
  }, 300_000);

  it('serves the same results after the store is closed and reopened', async () => {
    // Prepare
    const query = (await rt.textEmbedder().then((t) => t.embedTexts(['blue dress'])))[0] as Float32Array;
    const before = (await rt.store.search(query, { k: 6 })).map((h) => [h.record.id, h.score.toFixed(6)]);

    // Act
    await rt.close();
    rt = await openRuntime();

    // Assess
    const after = (await rt.store.search(query, { k: 6 })).map((h) => [h.record.id, h.score.toFixed(6)]);
    expect(after).toEqual(before);
    expect(await rt.store.count()).toBe(30);
  });
});
