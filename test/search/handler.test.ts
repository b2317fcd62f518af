import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../functions/search/api.ts';
import { createApi } from '../../functions/search/api.ts';
import { createSearchHandler, handler } from '../../functions/search/handler.ts';
import { type RunningServer, startServer } from '../../local/server.ts';
import { catalogStore, textEmbedder } from './fixtures.ts';
import { rawRequest } from './raw-http.ts';

const WEB_DIR = path.resolve(import.meta.dirname, '../../web');

function httpApiEvent(method: string, target: string, extra: { body?: string; stage?: string } = {}) {
  const [rawPath = '/', rawQueryString = ''] = target.split(/\?(.*)/s);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { host: 'abc.execute-api.eu-west-1.amazonaws.com', 'user-agent': 'test' },
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
    deps = { text: textEmbedder(), store: await catalogStore(), webDir: WEB_DIR, onError: () => {} };
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

  it('says plainly that the deployed handler is not configured for the cloud yet', async () => {
    // Prepare
    const event = httpApiEvent('GET', '/healthz');

    // Act
    const act = handler(event);

    // Assess
    await expect(act).rejects.toThrow(/not configured for the cloud yet/);
  });
});
