import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import { HttpClientError } from '#core/errors.ts';
import type { HttpGetOptions } from '#core/ports/http-client.ts';
import { type MisbehavingServer, startMisbehavingServer } from '#test/support/misbehaving-server.ts';

const options: HttpGetOptions = { timeoutMs: 2000, maxBytes: 1_000_000, maxRedirects: 5 };

/** Runs `act` and returns the HttpClientError it threw. */
async function failure(act: Promise<unknown>): Promise<HttpClientError> {
  const error = await act.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpClientError);
  return error as HttpClientError;
}

describe('UndiciHttpClient against a misbehaving server', () => {
  let server: MisbehavingServer;
  let client: UndiciHttpClient;
  beforeAll(async () => {
    server = await startMisbehavingServer();
    client = new UndiciHttpClient({ allowPrivateHosts: true, userAgent: 'threadfinder-test' });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });
  beforeEach(() => server.reset());

  it('returns the full body, lower-case headers and the final URL', async () => {
    // Act
    const res = await client.get(`${server.url}/ok.jpg`, options);
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(Buffer.from(res.body).equals(server.images.jpeg)).toBe(true);
    expect(res.finalUrl).toBe(`${server.url}/ok.jpg`);
  });

  it('refuses https to a port that speaks plain HTTP for good, in one line', async () => {
    // Prepare
    const url = `https://127.0.0.1:${server.port}/ok.jpg`;
    // Act
    const error = await failure(client.get(url, options));
    // Assess
    expect(error).toMatchObject({ reason: 'network_error', retryable: false });
    expect(error.message).toBe(
      `TLS handshake failed fetching ${url}: the server does not speak TLS on this port (ERR_SSL_WRONG_VERSION_NUMBER)`,
    );
  });

  it('returns HTTP error statuses as responses, not errors', async () => {
    // Act
    const missing = await client.get(`${server.url}/missing`, options);
    const broken = await client.get(`${server.url}/broken`, options);
    // Assess
    expect(missing.status).toBe(404);
    expect(broken.status).toBe(500);
  });

  it('refuses a declared Content-Length over the cap without waiting for the body', async () => {
    // Act (the route stalls after 100 bytes: reading on would end in a timeout instead)
    const error = await failure(client.get(`${server.url}/huge-declared`, { ...options, maxBytes: 10_000 }));
    // Assess
    expect(error).toMatchObject({ reason: 'too_large', retryable: false });
    expect(error.message).toMatch(/declares 1073741824 bytes, over the limit of 10000/);
  });

  it('aborts an endless chunked body once the cap is passed', async () => {
    // Act
    const error = await failure(client.get(`${server.url}/huge-chunked`, { ...options, maxBytes: 200_000 }));
    // Assess
    expect(error).toMatchObject({ reason: 'too_large', retryable: false });
    expect(error.message).toMatch(/sent more than 200000 bytes/);
  });

  it('times out a response whose headers never come, within the total timeout', async () => {
    // Prepare
    const started = Date.now();
    // Act
    const error = await failure(client.get(`${server.url}/slow`, { ...options, timeoutMs: 150 }));
    // Assess
    expect(error).toMatchObject({ reason: 'timeout', retryable: true });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('counts the body against the same total timeout', async () => {
    // Act
    const error = await failure(client.get(`${server.url}/slow-body`, { ...options, timeoutMs: 150 }));
    // Assess
    expect(error).toMatchObject({ reason: 'timeout', retryable: true });
  });

  it('follows a redirect chain within the limit and refuses a longer one', async () => {
    // Act
    const res = await client.get(`${server.url}/redirect/3`, options);
    const error = await failure(client.get(`${server.url}/redirect/4`, { ...options, maxRedirects: 3 }));
    // Assess
    expect(res.status).toBe(200);
    expect(res.finalUrl).toBe(`${server.url}/ok.jpg`);
    expect(server.hits('/redirect/1')).toBe(2);
    expect(error).toMatchObject({ reason: 'http_error', retryable: false });
    expect(error.message).toMatch(/more than 3 redirects/);
  });

  it('stops a redirect loop as soon as a URL comes round again', async () => {
    // Act
    const error = await failure(client.get(`${server.url}/loop-a`, options));
    // Assess
    expect(error).toMatchObject({ reason: 'http_error', retryable: false });
    expect(error.message).toMatch(/redirect loop/);
    expect(server.hits('/loop-a') + server.hits('/loop-b')).toBe(2);
  });

  it('refuses non-http schemes and credentials in URLs before connecting', async () => {
    // Act
    const scheme = await failure(client.get('file:///etc/passwd', options));
    const creds = await failure(client.get(`http://user:secret@127.0.0.1:${server.port}/ok.jpg`, options));
    const garbage = await failure(client.get('not a url', options));
    // Assess
    expect(scheme).toMatchObject({ reason: 'invalid_url', retryable: false });
    expect(creds).toMatchObject({ reason: 'invalid_url', retryable: false });
    expect(creds.message).not.toContain('secret');
    expect(garbage.reason).toBe('invalid_url');
    expect(server.connections()).toBe(0);
  });

  it('reports a refused connection as a retryable network error', async () => {
    // Prepare
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    // Act
    const error = await failure(client.get(`http://127.0.0.1:${port}/`, options));
    // Assess
    expect(error).toMatchObject({ reason: 'network_error', retryable: true });
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});

describe('UndiciHttpClient conditional GETs', () => {
  let server: MisbehavingServer;
  let client: UndiciHttpClient;
  beforeAll(async () => {
    server = await startMisbehavingServer();
    client = new UndiciHttpClient({ allowPrivateHosts: true });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });
  beforeEach(() => server.reset());

  it('sends the validators and returns a 304 as a response with an empty body', async () => {
    // Act
    const res = await client.get(`${server.url}/etag.jpg`, { ...options, conditional: { etag: '"v1"' } });
    // Assess
    expect(res.status).toBe(304);
    expect(res.body).toHaveLength(0);
    expect(res.headers.etag).toBe('"v1"');
    expect(server.lastHeaders('/etag.jpg')).toMatchObject({ 'if-none-match': '"v1"' });
    expect(server.lastHeaders('/etag.jpg')?.['if-modified-since']).toBeUndefined();
  });

  it('sends both validators on every hop of a redirect', async () => {
    // Prepare
    const lastModified = 'Thu, 01 Feb 2024 00:00:00 GMT';
    const to = encodeURIComponent('/last-modified.jpg');
    // Act
    const res = await client.get(`${server.url}/redirect-to?to=${to}`, {
      ...options,
      conditional: { etag: '"zz"', lastModified },
    });
    // Assess
    expect(res.status).toBe(200);
    expect(server.lastHeaders('/redirect-to')).toMatchObject({ 'if-modified-since': lastModified });
    expect(server.lastHeaders('/last-modified.jpg')).toMatchObject({
      'if-none-match': '"zz"',
      'if-modified-since': lastModified,
    });
  });

  it('does not hold the Content-Length of a 304 (the representation it stands for) against the cap', async () => {
    // Prepare
    const host = http.createServer((_, res) => {
      res.writeHead(304, { etag: '"big"', 'content-length': String(1 << 30) });
      res.end();
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const { port } = host.address() as AddressInfo;
    // Act
    const res = await client.get(`http://127.0.0.1:${port}/a.jpg`, {
      ...options,
      maxBytes: 1000,
      conditional: { etag: '"big"' },
    });
    // Assess
    expect(res.status).toBe(304);
    expect(res.body).toHaveLength(0);
    await new Promise<void>((resolve) => host.close(() => resolve()));
  });

  it('refuses a validator that would inject a header, before connecting', async () => {
    // Act
    const error = await failure(
      client.get(`${server.url}/etag.jpg`, { ...options, conditional: { etag: '"a"\r\nx-evil: 1' } }),
    );
    // Assess
    expect(error).toMatchObject({ reason: 'http_error', retryable: false });
    expect(error.message).toMatch(
      /refusing to send If-None-Match "\\"a\\"\\r\\nx-evil: 1": not a valid header value/,
    );
    expect(server.connections()).toBe(0);
  });
});
