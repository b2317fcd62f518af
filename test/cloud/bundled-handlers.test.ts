import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '#adapters/s3-blob-store.ts';
import { REPO_ROOT } from '#infra/function-code.ts';
import { buildLambdaHandlers } from '#scripts/build-lambda.ts';
import { type MisbehavingServer, startMisbehavingServer } from '#test/support/misbehaving-server.ts';
import { type S3TestServer, startS3Server } from '#test/support/s3-server.ts';

// biome-ignore lint/suspicious/noExplicitAny: handler outputs are explored by the assertions
type Handler = (event: unknown, context: unknown) => Promise<any>;

/**
 * The functions as the container image runs them: handlers compiled by `npm run build:lambda`, their deps
 * built from the environment the stack sets, against a local S3 server. (MongoDB is not reachable here, so
 * the aggregate and search handlers are only checked to load.)
 */
describe('deployed handlers, compiled, against S3', () => {
  let s3: S3TestServer;
  let images: MisbehavingServer;
  let outDir: string;
  let tmp: string;
  const handlers: Record<string, Handler> = {};
  const saved = { ...process.env };

  beforeAll(async () => {
    [s3, images] = await Promise.all([startS3Server(), startMisbehavingServer()]);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tf-bundled-'));
    // Under the repository so the compiled files resolve node_modules like the image does.
    outDir = path.join(REPO_ROOT, 'node_modules', '.cache', `tf-lambda-${process.pid}`);
    const files = await buildLambdaHandlers(REPO_ROOT, outDir);
    Object.assign(process.env, s3.env, {
      THREADFINDER_BUCKET: s3.bucket,
      THREADFINDER_MODELS: 'test',
      THREADFINDER_MODELS_DIR: path.join(tmp, 'models'),
      THREADFINDER_DATA_DIR: tmp,
      // The image host is on loopback: the explicit opt-in a real deployment never sets.
      THREADFINDER_ALLOW_PRIVATE_HOSTS: '1',
    });
    for (const file of files) {
      const stage = path.basename(file, '.js');
      handlers[stage] = (await import(pathToFileURL(file).href)).handler;
    }
  }, 120_000);

  afterAll(async () => {
    process.env = saved;
    await Promise.all([s3?.close(), images?.close()]);
    await rm(outDir, { recursive: true, force: true });
    await rm(tmp, { recursive: true, force: true });
  });

  it('export a handler for every stage', () => {
    expect(Object.keys(handlers).sort()).toEqual([
      'aggregate',
      'download',
      'embed',
      'prepare',
      'search',
      'segment',
    ]);
    for (const h of Object.values(handlers)) expect(typeof h).toBe('function');
  });

  it('prepare, download, segment and embed a catalog through the bucket, as the state machine chains them', async () => {
    // Prepare
    const bucket = new S3BlobStore({ bucket: s3.bucket, client: s3.client });
    const csv = `product_id,image_url,name\np1,${images.url}/ok.jpg,Jacket\np1,${images.url}/ok.png,Jacket\np2,${images.url}/missing,Scarf\n`;
    await bucket.put('catalogs/shop.csv', new TextEncoder().encode(csv), 'text/csv');
    const context = {};
    // Act
    const prepared = await handlers.prepare?.(
      { runId: 'run-bundled-1', catalogKey: 'catalogs/shop.csv' },
      context,
    );
    const items = JSON.parse(new TextDecoder().decode(await bucket.get(prepared.itemsKey)));
    const event = { Items: items, BatchInput: { runId: prepared.runId } };
    const downloaded = await handlers.download?.(event, context);
    const segmented = await handlers.segment?.(downloaded, context);
    const embedded = await handlers.embed?.(segmented, context);
    // Assess
    expect(prepared).toMatchObject({ products: 2, images: 3, catalogErrors: 0 });
    const statuses = downloaded.items.flatMap((p: { images: { status: string }[] }) =>
      p.images.map((i) => i.status),
    );
    expect(statuses.sort()).toEqual(['downloaded', 'downloaded', 'failed']);
    expect(embedded).toMatchObject({ runId: 'run-bundled-1', products: 2, imagesOk: 2, imagesFailed: 1 });
    expect(await bucket.has(embedded.key)).toBe(true);
    expect((await bucket.list('masked/')).length).toBe(2);
  }, 120_000);

  it('refuse a bad event with an InputError the state machine does not retry', async () => {
    await expect(handlers.download?.({ Items: 'nope' }, {})).rejects.toMatchObject({ name: 'InputError' });
  });
});
