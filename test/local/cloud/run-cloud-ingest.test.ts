import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCloudIngest } from '#cli/cloud-ingest/run-cloud-ingest.ts';
import { FakeS3, FakeSfn, fakeDeps, STATE_MACHINE_ARN, type Step } from './fakes.ts';

const BUCKET = 'tf-data-bucket';
const ENV = { THREADFINDER_STATE_MACHINE_ARN: STATE_MACHINE_ARN, THREADFINDER_BUCKET: BUCKET };
const COMPACT = {
  runId: 'run-20250102T030405-abcd1234',
  summaryKey: 'runs/run-20250102T030405-abcd1234/summary.json',
  productsStored: 9,
  productsPartial: 1,
  productsSkipped: 1,
  productsNotEmbedded: 0,
  productsPruned: 0,
  images: { total: 30, ok: 27, failed: { http_404: 3, timeout: 0 } },
  batchesStored: 1,
  batchesFailed: 0,
  batchesNotEmbedded: 0,
  warnings: 0,
  first: { productsSkipped: [], batchesFailed: [], batchesNotEmbedded: [], warnings: [] },
};
const PREPARED = {
  catalogKey: 'catalogs/my_catalog.csv',
  format: 'csv',
  products: 10,
  images: 30,
  catalogErrors: 0,
};
const HAPPY: Step[] = [
  { status: 'RUNNING' },
  { status: 'RUNNING', items: { total: 10, pending: 8, running: 2, succeeded: 0, failed: 0 } },
  {
    status: 'RUNNING',
    items: { total: 10, pending: 0, running: 0, succeeded: 10, failed: 0 },
    mapStatus: 'SUCCEEDED',
  },
  {
    status: 'SUCCEEDED',
    items: { total: 10, pending: 0, running: 0, succeeded: 10, failed: 0 },
    mapStatus: 'SUCCEEDED',
    output: { catalogKey: 'catalogs/my_catalog.csv', prepared: PREPARED, aggregate: COMPACT },
  },
];

let dir: string;
let catalog: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-cloud-'));
  catalog = path.join(dir, 'my catalog.csv');
  await writeFile(catalog, 'id,image\np1,https://img.example/1.jpg\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('runCloudIngest from a local file', () => {
  it('uploads the file, starts the execution, shows Map Run progress and prints the summary', async () => {
    // Prepare
    const { deps, out, s3, sfn, sleeps } = fakeDeps(new FakeSfn(HAPPY));

    // Act
    const result = await runCloudIngest({ catalog, env: ENV }, deps);

    // Assess: the file is in the bucket under catalogs/, with its hash
    const stored = s3.get(BUCKET, 'catalogs/my_catalog.csv');
    expect(stored?.body.toString()).toBe('id,image\np1,https://img.example/1.jpg\n');
    expect(stored?.metadata?.sha256).toMatch(/^[0-9a-f]{64}$/);
    // the execution got a valid name and the contract's input
    const start = sfn.calls.find((c) => c.name === 'StartExecution');
    expect(start?.input).toMatchObject({
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'run-20250102T030405-abcd1234',
    });
    expect(JSON.parse(String(start?.input.input))).toEqual({
      catalogKey: 'catalogs/my_catalog.csv',
      prune: false,
    });
    // progress, a line per change, then the summary
    const lines = out.text.split('\n');
    const progress = lines.filter((l) => /^\[\d+s\]/.test(l));
    expect(progress).toEqual([
      '[0s] preparing: reading the catalog, taking the lock (no Map Run yet)',
      '[5s] embedding: 0/10 items succeeded, 0 failed, 2 running, 8 pending',
      '[10s] Map Run SUCCEEDED: 10/10 items succeeded, 0 failed, 0 running, 0 pending; aggregating',
      '[15s] Map Run SUCCEEDED: 10/10 items succeeded, 0 failed, 0 running, 0 pending',
    ]);
    expect(out.text).toContain('Catalog catalogs/my_catalog.csv: csv, 10 products, 30 images');
    expect(out.text).toContain('Products stored: 9');
    expect(out.text).toContain('Images: 30 in all, 27 ok, 3 failed (http_404 3)');
    expect(out.text).toContain(`Full summary: s3://${BUCKET}/runs/run-20250102T030405-abcd1234/summary.json`);
    expect(sleeps).toEqual([5000, 5000, 5000]);
    expect(result).toMatchObject({ status: 'SUCCEEDED', exitCode: 0, executionArn: sfn.executionArn });
  });

  it('holds the run against the last `plan --cloud` of the same file: images, wall time and the ratio', async () => {
    // Prepare: a plan predicted 30 images in 20 minutes for $0.05; the execution took 30 minutes
    const started = new Date('2025-01-02T03:04:05Z');
    const steps: Step[] = [
      ...HAPPY.slice(0, -1),
      { ...(HAPPY.at(-1) as Step), startDate: started, stopDate: new Date(started.getTime() + 30 * 60_000) },
    ];
    const { deps, out } = fakeDeps(new FakeSfn(steps));
    const plan = {
      file: catalog,
      at: '2025-01-01T10:00:00.000Z',
      images: 30,
      toDownload: 30,
      toSegment: 30,
      seconds: 3600,
      standIns: false,
      cloud: { wallSeconds: 1200, dollars: 0.05 },
    };
    const asked: string[] = [];
    const plans = {
      read: async (file: string) => {
        asked.push(file);
        return plan;
      },
    };

    // Act
    const result = await runCloudIngest({ catalog, env: ENV }, { ...deps, plans });

    // Assess
    expect(asked).toEqual([catalog]);
    expect(out.text).toContain(
      'Plan of 2025-01-01 10:00: 30 images (30 to download, 30 to segment), about 20 min 00 s and $0.05 on the stack',
    );
    expect(out.text).toMatch(/This run: 30 images in 30 min 00 s \(1\.50x the estimate\)/);
    expect(result.exitCode).toBe(0);
  });

  it('says nothing of a plan when the file has none, or only a local one', async () => {
    // Prepare
    const { deps, out } = fakeDeps(new FakeSfn(HAPPY));
    const local = {
      file: catalog,
      at: '2025-01-01T10:00:00.000Z',
      images: 30,
      toDownload: 30,
      toSegment: 30,
      seconds: 60,
      standIns: true,
    };

    // Act
    await runCloudIngest({ catalog, env: ENV }, { ...deps, plans: { read: async () => local } });

    // Assess
    expect(out.text).not.toContain('Plan of');
  });

  it('does not upload the same file twice', async () => {
    // Prepare: a first run put the file there
    const s3 = new FakeS3();
    await runCloudIngest({ catalog, env: ENV }, fakeDeps(new FakeSfn(HAPPY), s3).deps);
    s3.calls.length = 0;

    // Act
    const { deps, out } = fakeDeps(new FakeSfn(HAPPY), s3);
    await runCloudIngest({ catalog, env: ENV, prune: true }, deps);

    // Assess
    expect(s3.names()).toEqual(['HeadObject']);
    expect(out.text).toContain('already holds this file (same SHA-256)');
  });

  it('redraws one line on a terminal', async () => {
    const { deps, out } = fakeDeps(new FakeSfn(HAPPY), new FakeS3(), { tty: true });

    await runCloudIngest({ catalog, env: ENV }, deps);

    expect(out.text).toContain(
      '\r\x1b[2Kembedding: 0/10 items succeeded, 0 failed, 2 running, 8 pending | 5s',
    );
    expect(out.text).toMatch(/0 pending \| 15s\nExecution SUCCEEDED/);
  });

  it('starts nothing when Ctrl-C comes before the upload is done', async () => {
    const controller = new AbortController();
    controller.abort();
    const { deps, out, sfn } = fakeDeps(new FakeSfn(HAPPY));

    const result = await runCloudIngest({ catalog, env: ENV, signal: controller.signal }, deps);

    expect(result).toEqual({ status: 'NOT_STARTED', exitCode: 130 });
    expect(sfn.names()).toEqual([]);
    expect(out.text).toContain('Stopped before starting an execution.');
  });

  it('refuses a missing file, an empty one and one over the size cap before calling AWS', async () => {
    const empty = path.join(dir, 'empty.csv');
    const huge = path.join(dir, 'huge.csv');
    await writeFile(empty, '');
    await writeFile(huge, '');
    const { truncate } = await import('node:fs/promises');
    await truncate(huge, 64 * 1024 ** 2 + 1); // sparse: nothing written; over what the cloud's prepare step reads
    const { deps, s3, sfn } = fakeDeps(new FakeSfn(HAPPY));

    await expect(runCloudIngest({ catalog: path.join(dir, 'nope.csv'), env: ENV }, deps)).rejects.toThrow(
      /catalog file not found: .*nope\.csv/,
    );
    await expect(runCloudIngest({ catalog: empty, env: ENV }, deps)).rejects.toThrow(/empty\.csv is empty/);
    await expect(runCloudIngest({ catalog: huge, env: ENV }, deps)).rejects.toThrow(
      /huge\.csv is 64(\.0)? MiB, over the 64(\.0)? MiB limit for a catalog/,
    );
    expect([...s3.names(), ...sfn.names()]).toEqual([]);
  });
});

describe('runCloudIngest from S3', () => {
  it('uses a catalog already under catalogs/ in the data bucket as is', async () => {
    const s3 = new FakeS3();
    s3.put(BUCKET, 'catalogs/spring.csv', 'id,image\n');
    const { deps, sfn } = fakeDeps(new FakeSfn(HAPPY), s3);

    await runCloudIngest({ catalog: `s3://${BUCKET}/catalogs/spring.csv`, env: ENV }, deps);

    expect(s3.names()).toEqual(['HeadObject']);
    const start = sfn.calls.find((c) => c.name === 'StartExecution');
    expect(JSON.parse(String(start?.input.input))).toMatchObject({ catalogKey: 'catalogs/spring.csv' });
  });

  it('copies a catalog from another bucket into catalogs/ of the data bucket', async () => {
    const s3 = new FakeS3();
    s3.put('their-bucket', 'exports/2025 spring/feed.jsonl', '{"id":"a"}\n');
    const { deps, sfn, out } = fakeDeps(new FakeSfn(HAPPY), s3);

    await runCloudIngest({ catalog: 's3://their-bucket/exports/2025 spring/feed.jsonl', env: ENV }, deps);

    const copy = s3.calls.find((c) => c.name === 'CopyObject');
    expect(copy?.input).toMatchObject({
      Bucket: BUCKET,
      Key: 'catalogs/feed.jsonl',
      CopySource: 'their-bucket/exports/2025%20spring/feed.jsonl',
    });
    expect(s3.get(BUCKET, 'catalogs/feed.jsonl')?.body.toString()).toBe('{"id":"a"}\n');
    const start = sfn.calls.find((c) => c.name === 'StartExecution');
    expect(JSON.parse(String(start?.input.input))).toMatchObject({ catalogKey: 'catalogs/feed.jsonl' });
    expect(out.text).toContain('Copying s3://their-bucket/exports/2025 spring/feed.jsonl');
  });

  it('says which object is missing, and starts nothing', async () => {
    const { deps, sfn } = fakeDeps(new FakeSfn(HAPPY));

    await expect(
      runCloudIngest({ catalog: `s3://${BUCKET}/catalogs/gone.csv`, env: ENV }, deps),
    ).rejects.toThrow(`s3://${BUCKET}/catalogs/gone.csv not found`);
    expect(sfn.names()).toEqual([]);
  });

  it.each([
    ['s3://', /bucket "" must be 3 to 63 characters/],
    ['s3://My_Bucket/a.csv', /may only hold lowercase letters/],
    ['s3://-bucket/a.csv', /must begin and end with a letter or digit/],
    ['s3://my..bucket/a.csv', /two dots in a row/],
    ['s3://192.168.0.1/a.csv', /IP address/],
    ['s3://bucket', /names no object/],
    ['s3://bucket/', /names no object/],
    ['s3://bucket/exports/', /names a folder/],
    ['https://example.com/a.csv', /takes a local file or an s3:\/\/ URL/],
  ])('refuses %s with a clear error', async (url, message) => {
    const { deps, s3, sfn } = fakeDeps(new FakeSfn(HAPPY));

    await expect(runCloudIngest({ catalog: url, env: ENV }, deps)).rejects.toThrow(message);
    expect([...s3.names(), ...sfn.names()]).toEqual([]);
  });
});
