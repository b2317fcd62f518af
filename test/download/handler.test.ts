import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import { handler } from '#cloud/lambda/download.ts';
import { loadConfig } from '#core/config.ts';
import { InputError } from '#core/errors.ts';
import { buildDownloadDeps } from '#functions/download/deps.ts';
import { createDownloadHandler } from '#functions/download/handler.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';
import { type MisbehavingServer, startMisbehavingServer } from '#test/support/misbehaving-server.ts';

const newDir = tempDirs('download-handler');
/** Lambda's context object; the handler does not read it. */
const context = {} as Parameters<typeof handler>[1];

/** The ports the download stage takes, over loopback (the test server). */
const ports = (blobs: FsBlobStore) => {
  const http = new UndiciHttpClient({ allowPrivateHosts: true });
  return { blobs, downloadHttp: () => http };
};

describe('download handler', () => {
  let server: MisbehavingServer;
  let blobs: FsBlobStore;
  const config = loadConfig({ THREADFINDER_ALLOW_PRIVATE_HOSTS: '1', THREADFINDER_DOWNLOAD_RETRIES: '0' });
  beforeAll(async () => {
    server = await startMisbehavingServer();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(async () => {
    server.reset();
    blobs = new FsBlobStore(await newDir());
  });
  const item = (id: string, route: string) => ({
    id,
    metadata: { name: id },
    images: [{ url: `${server.url}${route}`, status: 'pending' }],
  });

  it('takes a Distributed Map batch and returns the downloaded batch under its runId', async () => {
    // Prepare
    const download = createDownloadHandler(buildDownloadDeps(config, ports(blobs)));
    const event = { Items: [item('a', '/ok.jpg'), item('b', '/missing')], BatchInput: { runId: 'run-7' } };
    // Act
    const out = await download(event, context);
    // Assess
    expect(out.runId).toBe('run-7');
    expect(out.items.map((p) => p.images[0]?.status)).toEqual(['downloaded', 'failed']);
    expect(await blobs.list('originals/')).toHaveLength(1);
  });

  it('takes a plain Batch too', async () => {
    // Prepare
    const download = createDownloadHandler(buildDownloadDeps(config, ports(blobs)));
    // Act
    const out = await download({ runId: 'run-8', items: [item('a', '/ok.png')] }, context);
    // Assess
    expect(out.items[0]?.images[0]).toMatchObject({
      status: 'downloaded',
      originalKey: expect.stringMatching(/\.png$/),
    });
  });

  it('rejects a malformed event with an InputError naming the bad field, before any fetch', async () => {
    // Prepare
    const download = createDownloadHandler(buildDownloadDeps(config, ports(blobs)));
    const event = {
      runId: 'run-9',
      items: [{ id: 'a', metadata: {}, images: [{ url: 'x', status: 'done' }] }],
    };
    // Act
    const error = await download(event, context).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/items\.0\.images\.0\.status/);
    expect(server.connections()).toBe(0);
  });

  it('builds its dependencies once per container, on first use', async () => {
    // Prepare
    let builds = 0;
    const download = createDownloadHandler(async () => {
      builds++;
      return buildDownloadDeps(config, ports(blobs));
    });
    // Act
    await download({ runId: 'r', items: [item('a', '/ok.jpg')] }, context);
    await download({ runId: 'r', items: [item('b', '/ok.png')] }, context);
    // Assess
    expect(builds).toBe(1);
  });

  it('deployed handler says which setting is missing instead of writing anywhere', async () => {
    // Prepare
    delete process.env.THREADFINDER_BUCKET;
    // Act
    const act = handler({ runId: 'r', items: [item('a', '/ok.jpg')] }, context);
    // Assess
    await expect(act).rejects.toThrow(/THREADFINDER_BUCKET is not set/);
  });
});
