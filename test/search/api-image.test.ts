import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import { contentHashOf, isMaskKey, originalsOfHash } from '#core/contracts/run-layout.ts';
import { cutout } from '#core/image/cutout.ts';
import { createApi } from '#functions/search/api.ts';
import { MAX_IMAGE_SEARCHES } from '#functions/search/image-route.ts';
import { type RunningServer, startServer } from '#local/http-server.ts';
import { BACKGROUND, type ImageWorld, imageWorld, MAX_PIXELS, multipart } from './image-fixtures.ts';

let world: ImageWorld;
let client: UndiciHttpClient;
let server: RunningServer;
let images: http.Server;
let imagesUrl: string;
const errors: unknown[] = [];

beforeAll(async () => {
  world = await imageWorld();
  // Image search's fetcher may reach loopback only because this test serves its images there.
  client = new UndiciHttpClient({ allowPrivateHosts: false, allowAddresses: ['127.0.0.1'] });
  server = await startServer({
    api: createApi(world.deps(client, { onError: (e) => errors.push(e) })),
    port: 0,
  });
  images = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    res.end(world.originals[(req.url ?? '').slice(1)]);
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  imagesUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await client?.close();
  await new Promise((resolve) => images?.close(resolve));
});

async function post(body: Buffer | string, type: string, qs = '') {
  const res = await fetch(`${server.url}/api/search${qs}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, body: await res.json() };
}

describe('POST /api/search with an image', () => {
  it('finds the catalog product photographed in the image: same segmentation and embedding, cosine 1', async () => {
    // Act
    const res = await post(world.originals.blue as Buffer, 'image/jpeg', '?k=2');

    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ query: '', queryImage: 'upload', best: { id: 'blue', color: 'blue' } });
    expect(res.body.best.score).toBeCloseTo(1, 4);
    expect(res.body.alternatives).toHaveLength(2);
    expect(res.body.alternatives.map((p: { id: string }) => p.id)).not.toContain('blue');
  });

  it('reads the file field "image" of a multipart form the same way', async () => {
    // Prepare
    const form = multipart([
      { name: 'image', filename: 'red.jpg', type: 'image/jpeg', body: world.originals.red as Buffer },
    ]);

    // Act
    const res = await post(form.body, form.contentType);

    // Assess
    expect(res.status).toBe(200);
    expect(res.body.best.id).toBe('red');
    expect(res.body.best.score).toBeCloseTo(1, 4);
    expect(res.body.queryImage).toBe('upload');
  });

  it('fetches {"imageUrl"} and applies the filters', async () => {
    // Act
    const res = await post(
      JSON.stringify({ imageUrl: `${imagesUrl}/yellow` }),
      'application/json',
      '?k=1&color=yellow',
    );

    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ queryImage: 'url', best: { id: 'yellow' }, alternatives: [] });
  });

  it('answers non-images with 400 not_an_image, naming why, without an unexpected error', async () => {
    // Act
    const html = await post('<!doctype html><h1>hi</h1>', 'image/png');
    const svg = await post('<svg xmlns="http://www.w3.org/2000/svg"/>', 'image/webp');
    const truncated = await post((world.originals.red as Buffer).subarray(0, 400), 'image/jpeg');

    // Assess
    expect([html.status, html.body.error.code]).toEqual([400, 'not_an_image']);
    expect(svg.body.error.message).toMatch(/SVG/);
    expect([truncated.status, truncated.body.error.code]).toEqual([400, 'not_an_image']);
    expect(errors).toEqual([]);
  });
});

describe('product routes over the ingested images', () => {
  it('serves a product, its look-alikes and its cut-out, made from the stored original and mask', async () => {
    // Act
    const product = await (await fetch(`${server.url}/api/products/red`)).json();
    const similar = await (await fetch(`${server.url}/api/products/red/similar?k=2`)).json();
    const masked = await fetch(`${server.url}${product.maskedImages[0]}`);
    const bytes = new Uint8Array(await masked.arrayBuffer());
    const maskKey = (await world.store.get('red'))?.maskedKeys?.[0] as string;
    const [originalKey] = await world.blobs.list(originalsOfHash(contentHashOf(maskKey)));
    const expected = await cutout(
      await world.blobs.get(originalKey as string),
      await world.blobs.get(maskKey),
      {
        maxPixels: MAX_PIXELS,
        maxSide: 1024,
        background: BACKGROUND,
      },
    );
    const shown = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    const again = await fetch(`${server.url}${product.maskedImages[0]}`, {
      headers: { 'if-none-match': masked.headers.get('etag') ?? '' },
    });
    // If-None-Match compares weakly, and `*` matches any representation (RFC 9110 13.1.2).
    const revalidations = await Promise.all(
      [`W/${masked.headers.get('etag')}`, '*', '"other", W/"other"'].map(async (tag) => {
        const res = await fetch(`${server.url}${product.maskedImages[0]}`, {
          headers: { 'if-none-match': tag },
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );

    // Assess
    expect(product).toMatchObject({ id: 'red', maskedImages: ['/api/products/red/masked/0'] });
    expect(product.score).toBeUndefined();
    expect(similar.product.id).toBe('red');
    expect(similar.alternatives).toHaveLength(2);
    expect(masked.status).toBe(200);
    expect(masked.headers.get('content-type')).toBe('image/png');
    expect(isMaskKey(maskKey)).toBe(true);
    expect(shown.info).toMatchObject({ width: expected.width, height: expected.height, channels: 3 });
    expect(Buffer.compare(shown.data, Buffer.from(expected.data))).toBe(0);
    expect(again.status).toBe(304);
    // A 304's Content-Length may only be the full reply's length: none is sent.
    expect(again.headers.get('content-length')).toBeNull();
    expect(revalidations).toEqual([304, 304, 200]);
  });

  it('makes a cut-out once: HEAD and later GETs read no photo, and HEAD of a missing image is 404', async () => {
    // Prepare: the same deps, with the blob reads counted.
    const reads: string[] = [];
    const blobs = Object.create(world.blobs, {
      get: {
        value: (key: string) => {
          reads.push(key);
          return world.blobs.get(key);
        },
      },
    });
    const api = createApi(world.deps(client, { blobs }));
    const request = (method: string, path: string) =>
      api({ method, path, query: new URLSearchParams(), rawQuery: '', headers: {} });
    // Act
    const head = await request('HEAD', '/api/products/red/masked/0');
    const readsForHead = reads.length;
    const first = await request('GET', '/api/products/red/masked/0');
    const readsForFirst = reads.length;
    const second = await request('GET', '/api/products/red/masked/0');
    const missing = await request('HEAD', '/api/products/red/masked/5');
    // Assess
    expect([head.status, first.status, second.status, missing.status]).toEqual([200, 200, 200, 404]);
    expect(head.headers.etag).toBe(first.headers.etag);
    expect(readsForHead).toBe(0);
    expect(readsForFirst).toBe(2);
    expect(reads.length).toBe(2);
    expect(second.body).toBe(first.body);
  });

  it('answers a stored photo that no longer decodes with 500 image_damaged naming the product, not a bare 500', async () => {
    // Prepare: the blob store hands back the original truncated to its first 100 bytes
    const blobs = Object.create(world.blobs, {
      get: {
        value: async (key: string) => {
          const bytes = await world.blobs.get(key);
          return key.startsWith('originals/') ? bytes.subarray(0, 100) : bytes;
        },
      },
    });
    const api = createApi(world.deps(client, { blobs }));
    // Act
    const res = await api({
      method: 'GET',
      path: '/api/products/blue/masked/0',
      query: new URLSearchParams(),
      rawQuery: '',
      headers: {},
    });
    // Assess
    const body = JSON.parse(String(res.body));
    expect([res.status, body.error.code]).toEqual([500, 'image_damaged']);
    expect(body.error.message).toMatch(/product "blue" image 0 cannot be read.*check --repair/);
  });

  it('answers 404 for an unknown product, a missing image index and a bad one', async () => {
    // Act
    const answers = await Promise.all(
      [
        '/api/products/nope',
        '/api/products/nope/similar',
        '/api/products/red/masked/7',
        '/api/products/red/masked/x',
      ].map(async (p) => {
        const res = await fetch(`${server.url}${p}`);
        return [res.status, (await res.json()).error.code];
      }),
    );

    // Assess
    expect(answers).toEqual([
      [404, 'product_not_found'],
      [404, 'product_not_found'],
      [404, 'image_not_found'],
      [404, 'not_found'],
    ]);
  });

  it('lists the facets of the catalog', async () => {
    // Act
    const facets = await (await fetch(`${server.url}/api/facets`)).json();

    // Assess
    expect(facets).toEqual({
      categories: ['shirt'],
      colors: ['black', 'blue', 'red', 'yellow'],
      price: { min: 10, max: 10 },
      products: 4,
      autoTags: expect.any(Array), // what auto-tags add: test/search/api-auto-tags.test.ts
    });
  });
});

describe('image search that cannot run', () => {
  it('answers 501 when no image models are wired and 503 when they cannot load, reporting why', async () => {
    // Prepare
    const reported: unknown[] = [];
    const none = createApi({ ...world.deps(client), image: undefined });
    const broken = createApi(
      world.deps(client, {
        onError: (e) => reported.push(e),
        image: {
          ...(world.deps(client).image as NonNullable<ReturnType<ImageWorld['deps']>['image']>),
          segmenter: async () => {
            throw new Error('ENOENT: /models/u2net.onnx');
          },
        },
      }),
    );
    const req = {
      method: 'POST',
      path: '/api/search',
      query: new URLSearchParams(),
      headers: { 'content-type': 'image/jpeg' },
      body: world.originals.red as Buffer,
    };

    // Act
    const off = await none(req);
    const failing = await broken(req);

    // Assess
    expect(off.status).toBe(501);
    expect(JSON.parse(off.body as string).error.code).toBe('image_search_unavailable');
    expect(failing.status).toBe(503);
    expect(JSON.parse(failing.body as string).error.message).not.toMatch(/ENOENT|onnx/);
    expect(reported).toHaveLength(1);
  });

  it(`takes ${MAX_IMAGE_SEARCHES} image searches at once, answers the next 503 busy, and skips one whose client left`, async () => {
    // Prepare: the first search holds the models until the gate opens
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let runs = 0;
    const base = world.deps(client).image as NonNullable<ReturnType<ImageWorld['deps']>['image']>;
    const api = createApi(
      world.deps(client, {
        image: {
          ...base,
          segmenter: async () => {
            runs++;
            await gate;
            return world.segmenter;
          },
        },
      }),
    );
    const left = new AbortController();
    const ask = (signal?: AbortSignal) =>
      api({
        method: 'POST',
        path: '/api/search',
        query: new URLSearchParams(),
        headers: { 'content-type': 'image/jpeg' },
        body: world.originals.red as Buffer,
        ...(signal && { signal }),
      });
    // Act
    const taken = Array.from({ length: MAX_IMAGE_SEARCHES }, (_, i) =>
      ask(i === 3 ? left.signal : undefined),
    );
    const refused = await ask();
    left.abort();
    open();
    const answers = await Promise.all(taken);
    // Assess
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('2');
    expect(JSON.parse(refused.body as string).error.code).toBe('busy');
    expect(answers.map((a) => a.status)).toEqual(
      Array.from({ length: MAX_IMAGE_SEARCHES }, (_, i) => (i === 3 ? 499 : 200)),
    );
    expect(runs).toBe(MAX_IMAGE_SEARCHES - 1);
    // and once the queue has drained, a search is taken again
    expect((await ask()).status).toBe(200);
  });
});
