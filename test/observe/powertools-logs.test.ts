import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import middy from '@middy/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { type Batch, failImage } from '#core/types.ts';
import { createPrepareHandler } from '#functions/prepare/handler.ts';
import { createSearchHandler } from '#functions/search/handler.ts';
import { observed } from '#functions/shared/observe/middleware.ts';
import { createObservability, LOCAL_LOG_MAX_BYTES } from '#functions/shared/observe/powertools.ts';
import { batchStageReport } from '#functions/shared/observe/reports.ts';

type Line = Record<string, unknown> & { _aws?: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } };

/** Captures what Powertools writes to stdout and stderr during `act`, as parsed JSON lines. */
async function stdoutLines(act: () => Promise<unknown>): Promise<Line[]> {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  const spies = [process.stdout, process.stderr].map((s) => vi.spyOn(s, 'write').mockImplementation(capture));
  try {
    await act().catch(() => undefined);
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
}

const metricNames = (lines: Line[]) =>
  lines.flatMap((l) => l._aws?.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name) ?? []);

const context = {
  functionName: 'tf-segment',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:tf-segment',
  memoryLimitInMB: '10240',
  functionVersion: '$LATEST',
} as never;

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('Powertools logs and metrics of the handlers', () => {
  it('logs a batch stage with run id, batch, counts and new failures by reason, and publishes EMF metrics', async () => {
    // Prepare: a segment-like stage that fails one image of two
    const obs = createObservability('segment');
    const batch: Batch = {
      runId: 'run-7',
      items: [
        {
          id: 'p1',
          metadata: {},
          images: [
            { url: 'https://a/1.jpg', status: 'downloaded', originalKey: 'originals/1.jpg' },
            { url: 'https://a/2.jpg', status: 'downloaded', originalKey: 'originals/2.jpg' },
          ],
        },
      ],
    };
    const stage = middy(async (event: Batch): Promise<Batch> => {
      const [item] = event.items;
      const [first, second] = item?.images ?? [];
      if (!item || first?.status !== 'downloaded' || !second) return event;
      const masked = { ...first, status: 'masked', maskedKey: 'masked/1.png', garmentFound: true } as const;
      const failed = failImage(second, 'segment_failed', 'cannot decode');
      return { ...event, items: [{ ...item, images: [masked, failed] }] };
    }).use(observed(obs, batchStageReport('segment')));
    // Act
    const lines = await stdoutLines(() => stage(batch, context));
    // Assess
    const done = lines.find((l) => l.message === 'segment done');
    expect(done).toMatchObject({
      level: 'INFO',
      service: 'threadfinder',
      stage: 'segment',
      function_request_id: 'req-1',
      runId: 'run-7',
      batch: 'p1',
      products: 1,
      images: { total: 2, ok: 1, failed: { segment_failed: 1 } },
    });
    expect(metricNames(lines)).toEqual(expect.arrayContaining(['ImagesOk', 'ImagesFailed', 'MsPerImage']));
    const byReason = lines.find((l) => l.reason === 'segment_failed');
    expect(byReason).toMatchObject({ ImagesFailed: 1, stage: 'segment', service: 'threadfinder' });
    expect(byReason?._aws?.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Threadfinder' });
  });

  it('logs the prepare step with the run id and catalog counts (the deployed wiring)', async () => {
    // Prepare
    const dir = await mkdtemp(path.join(tmpdir(), 'tf-obs-'));
    dirs.push(dir);
    const blobs = new FsBlobStore(dir);
    await blobs.put(
      'catalogs/c.csv',
      new TextEncoder().encode('product_id,image_url\na,https://x.example/a.jpg\n'),
    );
    const handler = createPrepareHandler({ blobs }, { observe: createObservability('prepare') });
    // Act
    const lines = await stdoutLines(() => handler({ runId: 'run-8', catalogKey: 'catalogs/c.csv' }, context));
    // Assess
    expect(lines.find((l) => l.message === 'prepare done')).toMatchObject({
      runId: 'run-8',
      catalog: { products: 1, images: 1, refused: 0 },
    });
    expect(metricNames(lines)).toEqual(expect.arrayContaining(['CatalogProducts', 'CatalogRowsRefused']));
  });

  it('logs a failure with its name and message, counted as a failed invocation', async () => {
    const handler = createPrepareHandler(
      { blobs: new FsBlobStore(tmpdir()) },
      { observe: createObservability('prepare') },
    );
    const lines = await stdoutLines(() => handler({ runId: 'bad id!' }, context));
    expect(lines.find((l) => l.message === 'prepare failed')).toMatchObject({
      level: 'ERROR',
      failure: { name: 'InputError' },
    });
    expect(metricNames(lines)).toContain('InvocationsFailed');
  });

  it('measures search latency per answer, and logs a request that failed with its reason', async () => {
    // Prepare: an upload over the limit is answered (413) before any dependency is needed
    const search = createSearchHandler(
      async () => {
        throw new Error('never built');
      },
      { observe: createObservability('search') },
    );
    const http = (method: string, rawPath: string, body?: string) => ({
      version: '2.0',
      rawPath,
      requestContext: { http: { method } },
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined && { body, isBase64Encoded: false }),
    });
    // Act
    const answered = await stdoutLines(() =>
      search(http('POST', '/api/search', 'x'.repeat(12_000_000)), context),
    );
    const failed = await stdoutLines(() => search(http('GET', '/healthz'), context));
    // Assess
    expect(answered.find((l) => l.message === 'search answered')).toMatchObject({
      status: 413,
      path: '/api/search',
    });
    expect(answered.find((l) => 'SearchLatency' in l)).toMatchObject({ stage: 'search' });
    expect(failed.find((l) => l.message === 'search failed')).toMatchObject({
      level: 'ERROR',
      failure: { message: 'never built' },
    });
  });

  it('writes the same lines to a JSON-lines file locally, and nothing to stdout', async () => {
    // Prepare
    const dir = await mkdtemp(path.join(tmpdir(), 'tf-obs-file-'));
    dirs.push(dir);
    const file = path.join(dir, 'logs', 'threadfinder.jsonl');
    const obs = createObservability('embed', { kind: 'file', file });
    const stage = middy(async () => ({ key: 'k', products: 1, imagesOk: 1, imagesFailed: 0 })).use(
      observed(obs, () => ({ message: 'embed done', fields: { x: 1 }, metrics: [] })),
    );
    // Act
    const lines = await stdoutLines(() => stage({ runId: 'run-9', items: [] }, context));
    // Assess
    expect(lines).toEqual([]);
    const written = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(written.find((l) => l.message === 'embed done')).toMatchObject({
      runId: 'run-9',
      stage: 'embed',
      x: 1,
    });
  });
  it('never fails a stage because its local log file cannot be written (a full or read-only disk)', async () => {
    // Prepare: the log file's path is a folder, so every append fails (EISDIR), as it would on a full disk
    const dir = await mkdtemp(path.join(tmpdir(), 'tf-obs-unwritable-'));
    dirs.push(dir);
    const file = path.join(dir, 'logs', 'threadfinder.jsonl');
    await mkdir(file, { recursive: true });
    const obs = createObservability('segment', { kind: 'file', file });
    const stage = middy(async () => ({ runId: 'run-9', items: [] })).use(
      observed(obs, () => ({ message: 'segment done', fields: {}, metrics: [] })),
    );
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      said.push(String(chunk));
      return true;
    });
    // Act
    let result: unknown;
    try {
      result = await stage({ runId: 'run-9', items: [] }, context);
      await stage({ runId: 'run-9', items: [] }, context);
    } finally {
      spy.mockRestore();
    }
    // Assess: the stage ran, and the lost log was said once, naming the file and the fault
    expect(result).toEqual({ runId: 'run-9', items: [] });
    expect(said.filter((l) => l.includes('cannot write the log file'))).toEqual([
      `threadfinder: cannot write the log file ${file} (EISDIR): its lines are dropped\n`,
    ]);
  });
  it('moves a local log file past its size cap to <file>.1 and starts a new one', async () => {
    // Prepare: a log already at the cap
    const dir = await mkdtemp(path.join(tmpdir(), 'tf-obs-rotate-'));
    dirs.push(dir);
    const file = path.join(dir, 'logs', 'threadfinder.jsonl');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, Buffer.alloc(LOCAL_LOG_MAX_BYTES, 0x20));
    const obs = createObservability('aggregate', { kind: 'file', file });
    const stage = middy(async () => ({ runId: 'run-9' })).use(
      observed(obs, () => ({ message: 'aggregate done', fields: {}, metrics: [] })),
    );
    // Act
    await stage({ runId: 'run-9' }, context);
    // Assess
    expect((await stat(`${file}.1`)).size).toBe(LOCAL_LOG_MAX_BYTES);
    expect((await readFile(file, 'utf8')).includes('aggregate done')).toBe(true);
    expect((await stat(file)).size).toBeLessThan(64 * 1024);
  });
});
