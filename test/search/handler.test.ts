import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { handler } from '#cloud/lambda/search.ts';
import { HttpClientError } from '#core/errors.ts';
import type { ImageEmbedder, Segmenter } from '#core/ports/models.ts';
import type { ApiDeps } from '#functions/search/api.ts';
import { createApi } from '#functions/search/api.ts';
import { createSearchHandler } from '#functions/search/handler.ts';
import { type RunningServer, startServer } from '#local/http-server.ts';
import { tempDir } from '#test/models/drawn-images.ts';
import { at, catalogStore, MODEL, textEmbedder } from './fixtures.ts';
import { multipart, shirtJpeg } from './image-fixtures.ts';
import { rawRequest } from './raw-http.ts';

const WEB_DIR = path.resolve(import.meta.dirname, '../../web');
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
  'base64',
);
let JPEG: Buffer;
let FORM: { body: Buffer; contentType: string } = {
  body: Buffer.alloc(0),
  contentType: 'multipart/form-data; boundary=b',
};

beforeAll(async () => {
  JPEG = await shirtJpeg('#1030d0');
  FORM = multipart([{ name: 'image', filename: 'a.jpg', type: 'image/jpeg', body: JPEG }]);
});

/** Models that keep every pixel and put every image at 10 degrees (nearest product: a). */
function fakeImageModels(): ApiDeps['image'] {
  const segmenter: Segmenter = {
    modelId: 'keep-all',
    segment: async (i) => ({
      data: new Uint8Array(i.width * i.height).fill(255),
      width: i.width,
      height: i.height,
    }),
  };
  const embedder: ImageEmbedder = {
    modelId: MODEL,
    dim: 2,
    embedImages: async (list) => list.map(() => Float32Array.from(at(10))),
  };
  return {
    segmenter: async () => segmenter,
    embedder: async () => embedder,
    http: {
      get: async (url) => {
        throw new HttpClientError(`${url} is a private address`, 'blocked_host', false);
      },
    },
    background: [0, 177, 64],
    maxPixels: 1_000_000,
  };
}

function httpApiEvent(
  method: string,
  target: string,
  extra: { body?: string; stage?: string; headers?: Record<string, string> } = {},
) {
  const [rawPath = '/', rawQueryString = ''] = target.split(/\?(.*)/s);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { host: 'abc.execute-api.eu-west-1.amazonaws.com', 'user-agent': 'test', ...extra.headers },
    requestContext: {
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      stage: extra.stage ?? '$default',
      requestId: 'r1',
    },
    ...(extra.body === undefined ? {} : { body: extra.body }),
    isBase64Encoded: extra.body !== undefined,
  };
}

function decode(result: { body: string; isBase64Encoded: boolean }): string {
  return result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
}

describe('search Lambda handler', () => {
  let deps: ApiDeps;
  let server: RunningServer;
  beforeAll(async () => {
    const store = await catalogStore();
    const [first] = await Promise.all([store.get('a')]);
    if (first) await store.upsert([{ ...first, maskedKeys: ['masked/a.png', undefined] }]);
    const blobs = new FsBlobStore(await tempDir('handler-blobs'));
    await blobs.put('masked/a.png', PNG, 'image/png');
    deps = {
      text: textEmbedder(),
      store,
      blobs,
      image: fakeImageModels(),
      webDir: WEB_DIR,
      onError: () => {},
    };
    server = await startServer({ api: createApi(deps), port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it.each([
    ['GET', '/api/search?q=shirt+at+thirty'],
    ['GET', '/api/search?q=shirt%20at%20thirty&k=2&category=dress'],
    ['GET', '/api/search'],
    ['GET', '/api/search?q=%20%20'],
    ['GET', `/api/search?q=${'x'.repeat(513)}`],
    ['GET', '/api/search?q=a&q=b'],
    ['GET', '/api/search?q=a&limit=3'],
    ['GET', '/api/search?q=%E0%A4%A'],
    ['GET', '/api/search?q=%C0%80'],
    ['GET', '/api/search?q[]=x'],
    ['GET', `/api/search?q=${'a'.repeat(17_000)}`],
    ['GET', '/healthz'],
    ['GET', '/api/unknown'],
    ['POST', '/api/search?q=a'],
    ['DELETE', '/healthz'],
    ['GET', '/'],
    ['GET', '/app.js'],
    ['HEAD', '/style.css'],
    ['GET', '/%2e%2e/package.json'],
    ['GET', '/missing.css'],
    ['GET', '/api/products/a'],
    ['GET', '/api/products/a/similar?k=3&category=dress'],
    ['GET', '/api/products/zz/similar'],
    ['GET', '/api/products/a/masked/0'],
    ['GET', '/api/products/a/masked/1'],
    ['GET', '/api/facets'],
    ['GET', '/api/openapi.json'],
  ])('answers %s %s exactly like the local server', async (method, target) => {
    // Prepare
    const search = createSearchHandler(deps);

    // Act
    const viaLambda = await search(httpApiEvent(method, target));
    const viaServer = await rawRequest(server.url, target, { method });

    // Assess
    expect(viaLambda.statusCode).toBe(viaServer.status);
    expect(decode(viaLambda)).toBe(viaServer.body);
    for (const [name, value] of Object.entries(viaLambda.headers))
      expect(viaServer.headers[name]).toBe(value);
    expect(viaLambda.headers['content-security-policy']).toMatch(/^default-src 'self'/);
  });

  it.each([
    ['a raw JPEG', 'image/jpeg', () => JPEG, '?k=2'],
    ['a multipart form', FORM.contentType, () => FORM.body, ''],
    ['HTML as a PNG', 'image/png', () => Buffer.from('<html>'), ''],
    ['text', 'text/plain', () => Buffer.from('hi'), ''],
    [
      'JSON with a private imageUrl',
      'application/json',
      () => Buffer.from('{"imageUrl":"http://10.1.2.3/a.jpg"}'),
      '',
    ],
    ['a truncated form', FORM.contentType, () => FORM.body.subarray(0, 80), ''],
  ])(
    'answers POST /api/search with %s (base64 in the event) exactly like the local server',
    async (_, type, body, qs) => {
      // Prepare
      const search = createSearchHandler(deps);
      const bytes = body();

      // Act
      const viaLambda = await search(
        httpApiEvent('POST', `/api/search${qs}`, {
          body: bytes.toString('base64'),
          headers: { 'content-type': type },
        }),
      );
      const viaServer = await rawRequest(server.url, `/api/search${qs}`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: bytes,
      });

      // Assess
      expect(viaLambda.statusCode).toBe(viaServer.status);
      expect(viaLambda.statusCode).toBeLessThan(500);
      expect(decode(viaLambda)).toBe(viaServer.body);
    },
  );

  it('base64-encodes static files and strips a named stage from the path', async () => {
    // Prepare
    const search = createSearchHandler(async () => deps);

    // Act
    const page = await search(httpApiEvent('GET', '/prod/', { stage: 'prod' }));
    const health = await search(httpApiEvent('GET', '/prod/healthz', { stage: 'prod' }));

    // Assess
    expect(page.statusCode).toBe(200);
    expect(page.isBase64Encoded).toBe(true);
    expect(decode(page)).toContain('data-testid="query"');
    expect(health.statusCode).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok', products: 8, model: 'test/fashion-2d' });
  });

  it('answers a body over its limit with 413', async () => {
    // Prepare
    const search = createSearchHandler(deps);
    const body = Buffer.alloc(8 * 1024 * 1024 + 1, 97).toString('base64');

    // Act
    const result = await search(httpApiEvent('POST', '/api/search', { body }));

    // Assess
    expect(result.statusCode).toBe(413);
    expect(JSON.parse(result.body).error.code).toBe('payload_too_large');
  });

  it('builds its dependencies once per container and retries after a failed build', async () => {
    // Prepare
    let builds = 0;
    const search = createSearchHandler(async () => {
      builds += 1;
      if (builds === 1) throw new Error('store unreachable');
      return deps;
    });

    // Act
    const first = search(httpApiEvent('GET', '/healthz'));
    await expect(first).rejects.toThrow('store unreachable');
    const second = await search(httpApiEvent('GET', '/healthz'));
    const third = await search(httpApiEvent('GET', '/healthz'));

    // Assess
    expect([second.statusCode, third.statusCode]).toEqual([200, 200]);
    expect(builds).toBe(2);
  });

  it('rejects an event that is not an HTTP API v2 payload, naming the field', async () => {
    // Prepare
    const search = createSearchHandler(deps);
    const restApiEvent = { httpMethod: 'GET', path: '/healthz', resource: '/{proxy+}' };

    // Act
    const act = search(restApiEvent);

    // Assess
    await expect(act).rejects.toThrow(/payload v2 event.*version/);
  });

  it('says plainly which setting a deployed handler lacks, before loading any model', async () => {
    // Prepare
    const event = httpApiEvent('GET', '/healthz');

    // Act
    const act = handler(event);

    // Assess
    await expect(act).rejects.toThrow(/THREADFINDER_BUCKET is not set: the stack sets it/);
  });
});
