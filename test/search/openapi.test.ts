import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import { createApi } from '#functions/search/api.ts';
import type { OPENAPI_DOCUMENT } from '#functions/search/openapi.ts';
import { type RunningServer, startServer } from '#local/http-server.ts';
import { type ImageWorld, imageWorld, multipart } from './image-fixtures.ts';

// Every route's real answers, success and error, are validated against the schema the served document gives
// for that path, method, status and content type, so the document cannot drift from the code.

type Doc = typeof OPENAPI_DOCUMENT;
let world: ImageWorld;
let client: UndiciHttpClient;
let server: RunningServer;
let notReadyServer: RunningServer;
let served: Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
const checked = new Set<string>();

beforeAll(async () => {
  world = await imageWorld();
  client = new UndiciHttpClient({ allowPrivateHosts: false });
  server = await startServer({ api: createApi(world.deps(client)), port: 0 });
  notReadyServer = await startServer({
    api: createApi(world.deps(client, { isReady: () => false })),
    port: 0,
  });
  served = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as Doc;
  ajv.addSchema({ ...served, $id: 'openapi.json' });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await notReadyServer?.close();
  await client?.close();
});

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

async function expectDocumented(route: string, method: 'get' | 'post', res: Response): Promise<void> {
  const status = String(res.status);
  const type = (res.headers.get('content-type') ?? '').split(';')[0] as string;
  const op = (
    served.paths as Record<string, Record<string, { responses: Record<string, { content?: object }> }>>
  )[route]?.[method];
  expect(op, `${method} ${route} is documented`).toBeDefined();
  const response = op?.responses[status];
  expect(response, `${method} ${route} documents status ${status}`).toBeDefined();
  checked.add(`${method} ${route} ${status}`);
  if (res.status === 304) return;
  expect(Object.keys(response?.content ?? {}), `${method} ${route} ${status} content type`).toContain(type);
  if (type !== 'application/json') return;
  const validate = ajv.getSchema(
    `openapi.json#/${pointer('paths', route, method, 'responses', status, 'content', type, 'schema')}`,
  );
  const body = await res.json();
  const ok = validate?.(body);
  expect(
    validate?.errors ?? [],
    `${method} ${route} ${status}: ${JSON.stringify(body).slice(0, 300)}`,
  ).toEqual([]);
  expect(ok).toBe(true);
}

const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);
const postImage = (body: Buffer | string, type: string, qs = '') =>
  get(`/api/search${qs}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });

describe('the OpenAPI document', () => {
  it('is an OpenAPI 3.1 document whose schemas compile', () => {
    expect(served.openapi).toBe('3.1.0');
    for (const name of Object.keys(served.components.schemas)) {
      expect(ajv.getSchema(`openapi.json#/components/schemas/${name}`), name).toBeDefined();
    }
  });

  it.each([
    ['/api/search', '/api/search?q=red&k=3'],
    ['/api/search', '/api/search?q=red&category=shirt&price_min=1&price_max=99'],
    ['/api/search', '/api/search?q=red&category=nothing'],
    ['/api/search', '/api/search'],
    ['/api/search', '/api/search?q=red&k=51'],
    ['/api/search', `/api/search?q=${'a'.repeat(17_000)}`],
    ['/api/products/{id}', '/api/products/red'],
    ['/api/products/{id}', '/api/products/nope'],
    ['/api/products/{id}', '/api/products/red?x=1'],
    ['/api/products/{id}/similar', '/api/products/red/similar?k=2'],
    ['/api/products/{id}/similar', '/api/products/red/similar?k=0'],
    ['/api/products/{id}/similar', '/api/products/nope/similar'],
    ['/api/products/{id}/masked/{i}', '/api/products/red/masked/0'],
    ['/api/products/{id}/masked/{i}', '/api/products/red/masked/3'],
    ['/api/facets', '/api/facets'],
    ['/api/facets', '/api/facets?x=1'],
    ['/api/openapi.json', '/api/openapi.json'],
    ['/api/openapi.json', '/api/openapi.json?x=1'],
    ['/healthz', '/healthz'],
    ['/healthz', '/healthz?x=1'],
  ])('documents GET %s as answered for %s', async (route, path) => {
    await expectDocumented(route, 'get', await get(path));
  });

  it('documents the 503 answers of a server still starting', async () => {
    for (const [route, path] of [
      ['/api/search', '/api/search?q=red'],
      ['/api/products/{id}', '/api/products/red'],
      ['/api/products/{id}/similar', '/api/products/red/similar'],
      ['/api/products/{id}/masked/{i}', '/api/products/red/masked/0'],
      ['/api/facets', '/api/facets'],
      ['/healthz', '/healthz'],
    ] as const) {
      await expectDocumented(route, 'get', await fetch(`${notReadyServer.url}${path}`));
    }
  });

  it('documents a masked image 304 and the image search answers, success and error', async () => {
    const masked = await get('/api/products/red/masked/0');
    const etag = masked.headers.get('etag') ?? '';
    await expectDocumented('/api/products/{id}/masked/{i}', 'get', masked);
    await expectDocumented(
      '/api/products/{id}/masked/{i}',
      'get',
      await get('/api/products/red/masked/0', { headers: { 'if-none-match': etag } }),
    );
    const form = multipart([{ name: 'image', filename: 'a.jpg', body: world.originals.red as Buffer }]);
    const sharp = (await import('sharp')).default;
    const bomb = await sharp({ create: { width: 8000, height: 7000, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    for (const res of [
      await postImage(world.originals.blue as Buffer, 'image/jpeg', '?k=2'),
      await postImage(form.body, form.contentType),
      await postImage('<html>', 'image/png'),
      await postImage('{"imageUrl":"http://10.0.0.1/a.jpg"}', 'application/json'),
      await postImage('x', 'text/plain'),
      await postImage(world.originals.blue as Buffer, 'image/jpeg', '?k=99'),
      await postImage(Buffer.alloc(9 * 1024 * 1024), 'image/jpeg'),
      await postImage(bomb, 'image/png'),
      await createdWithout('image'),
      await fetch(`${notReadyServer.url}/api/search`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: new Uint8Array(world.originals.red as Buffer),
      }),
    ]) {
      await expectDocumented('/api/search', 'post', res);
    }
  });

  it('was checked against every documented route', () => {
    const routes = new Set([...checked].map((c) => c.split(' ').slice(0, 2).join(' ')));
    for (const [route, methods] of Object.entries(served.paths)) {
      for (const method of Object.keys(methods))
        expect(routes, `${method} ${route}`).toContain(`${method} ${route}`);
    }
  });
});

/** A response from a server without image models (501). */
async function createdWithout(_: 'image'): Promise<Response> {
  const bare = await startServer({ api: createApi({ ...world.deps(client), image: undefined }), port: 0 });
  try {
    const res = await fetch(`${bare.url}/api/search`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: new Uint8Array(world.originals.red as Buffer),
    });
    const body = await res.arrayBuffer();
    return new Response(body, { status: res.status, headers: res.headers });
  } finally {
    await bare.close();
  }
}
