import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '#test/search/raw-http.ts';
import { closeAll, serve } from '#test/search/serve.ts';

/** Writes bytes to the server as they are and returns status, headers and body of the answer. */
function rawExchange(base: string, bytes: Buffer | string) {
  const { hostname, port } = new URL(base);
  return new Promise<{ status: number; headers: string; body: string }>((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      resolve({
        status: Number(text.slice(9, 12)),
        headers: text.slice(0, split).toLowerCase(),
        body: text.slice(split + 4),
      });
    });
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
    socket.end(bytes);
  });
}

const errorCode = (body: string): string => {
  const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof parsed.error?.message).toBe('string');
  return String(parsed.error?.code);
};

describe('GET /api/search against odd queries', () => {
  let url: string;
  let errors: unknown[];
  beforeAll(async () => {
    ({ url, errors } = await serve());
  });
  afterAll(async () => {
    expect(errors).toEqual([]);
    await closeAll();
  });
  const search = (query: string, init?: Parameters<typeof rawRequest>[2]) =>
    rawRequest(url, `/api/search?${query}`, init);

  it.each([
    ['an emoji', '😀 summer dress'],
    ['right-to-left text', 'שמלה אדומה'],
    ['combining marks', 'e\u0301\u0301\u0301 zalgo'],
    ['512 astral characters (1024 UTF-16 units)', '😀'.repeat(512)],
    ['512 ASCII characters', 'a'.repeat(512)],
  ])('answers 200 for %s and echoes the query unchanged', async (_, q) => {
    // Act
    const res = await search(`q=${encodeURIComponent(q)}`);
    // Assess
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).query).toBe(q);
  });

  it.each([
    ['513 code points', `q=${encodeURIComponent('😀'.repeat(513))}`, 'query_too_long'],
    ['a truncated percent-escape', 'q=%E0%A4%A', 'invalid_encoding'],
    ['a non-hex percent-escape', 'q=50%ZZoff', 'invalid_encoding'],
    ['an overlong UTF-8 sequence', 'q=%C0%80', 'invalid_encoding'],
    ['a UTF-16 surrogate in UTF-8', 'q=%ED%A0%80', 'invalid_encoding'],
    ['a bad escape in a parameter name', 'q=dress&%FF=1', 'invalid_encoding'],
    ['a NUL', 'q=red%00dress', 'invalid_query'],
    ['a line break', 'q=red%0D%0Adress', 'invalid_query'],
    ['q as an array', 'q[]=dress', 'unknown_parameter'],
    ['q twice', 'q=a&q=b', 'repeated_parameter'],
    ['k=-1', 'q=dress&k=-1', 'invalid_parameter'],
    ['k=1e3', 'q=dress&k=1e3', 'invalid_parameter'],
    ['k=0x10', 'q=dress&k=0x10', 'invalid_parameter'],
    ['k=51', 'q=dress&k=51', 'invalid_parameter'],
    ['k=0', 'q=dress&k=0', 'invalid_parameter'],
    ['a huge k', `q=dress&k=${'9'.repeat(400)}`, 'invalid_parameter'],
    ['k=NaN', 'q=dress&k=NaN', 'invalid_parameter'],
    ['k twice', 'q=dress&k=1&k=2', 'repeated_parameter'],
    ['a negative price', 'q=dress&price_min=-5', 'invalid_parameter'],
    ['a NaN price', 'q=dress&price_max=NaN', 'invalid_parameter'],
    ['price_min above price_max', 'q=dress&price_min=9&price_max=1', 'invalid_parameter'],
    ['an empty category', 'q=dress&category=', 'invalid_parameter'],
    ['no q', 'k=3', 'missing_query'],
    ['only spaces', 'q=+%20+', 'empty_query'],
    ['only zero-width and direction marks', 'q=%E2%80%8B%E2%80%8F%EF%BB%BF', 'empty_query'],
    ['only combining accents', 'q=%CC%81%CC%81', 'empty_query'],
  ])('answers 400 with the JSON error shape for %s', async (_, query, code) => {
    // Act
    const res = await search(query);
    // Assess
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(errorCode(res.body)).toBe(code);
  });

  it('matches a filter with surrounding spaces as the trimmed filter, like a tag filter', async () => {
    // Act
    const plain = await search('q=shirt+at+thirty&category=coat');
    const spaced = await search('q=shirt+at+thirty&category=%20Coat+');
    // Assess
    expect(spaced.status).toBe(200);
    expect(JSON.parse(spaced.body).best?.id).toBe('g');
    expect(JSON.parse(spaced.body)).toEqual(JSON.parse(plain.body));
  });

  it('names the parameter and the bad escape in an encoding error', async () => {
    // Act
    const res = await search('q=%E0%A4%A');
    // Assess
    expect(JSON.parse(res.body).error.message).toBe(
      'parameter "q" has invalid percent-encoding at "%A" (write %XX with two hex digits, encoding UTF-8)',
    );
  });

  it('answers 414 in JSON for a URL over 16 KB, and 431 in JSON for one over the header limit', async () => {
    // Act
    const long = await search(`q=${'a'.repeat(17_000)}`);
    const huge = await rawExchange(
      url,
      `GET /api/search?q=${'a'.repeat(70_000)} HTTP/1.1\r\nhost: x\r\n\r\n`,
    );
    // Assess
    expect([long.status, errorCode(long.body)]).toEqual([414, 'uri_too_long']);
    expect([huge.status, errorCode(huge.body)]).toEqual([431, 'headers_too_large']);
  });

  it.each([
    [
      'raw UTF-8 bytes in the URL',
      Buffer.concat([
        Buffer.from('GET /api/search?q='),
        Buffer.from('é', 'utf8'),
        Buffer.from(' HTTP/1.1\r\n\r\n'),
      ]),
    ],
    ['spaces in the request target', 'GET /api/search?q=a b HTTP/1.1\r\nhost: x\r\n\r\n'],
    ['a header without a colon', 'GET /api/search?q=a HTTP/1.1\r\nnot a header\r\n\r\n'],
    ['an unknown method token', 'BREW /api/search?q=a HTTP/1.1\r\nhost: x\r\n\r\n'],
    ['an HTTP version from the future', 'GET /api/search?q=a HTTP/9.9\r\nhost: x\r\n\r\n'],
    ['HTTP/1.1 without a Host header', 'GET /api/search?q=a HTTP/1.1\r\nconnection: close\r\n\r\n'],
    [
      'both Content-Length and chunked',
      'GET /healthz HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
  ])('answers a malformed request (%s) with 400 in JSON and closes', async (_, bytes) => {
    // Act
    const res = await rawExchange(url, bytes);
    // Assess
    expect(res.status).toBe(400);
    expect(res.headers).toContain('content-type: application/json; charset=utf-8');
    expect(errorCode(res.body)).toBe('bad_request');
  });

  it('accepts a request target in absolute form, as a proxy sends it (RFC 9112 3.2.2)', async () => {
    // Act
    const res = await rawExchange(
      url,
      'GET http://shop.example/api/search?q=dress&k=1 HTTP/1.1\r\nhost: shop.example\r\nconnection: close\r\n\r\n',
    );
    // Assess
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).query).toBe('dress');
  });

  it('answers HEAD like GET without a body', async () => {
    // Act
    const res = await search('q=dress', { method: 'HEAD' });
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toBe('');
  });

  it.each(['TRACE', 'OPTIONS', 'PUT', 'DELETE', 'PROPFIND'])(
    'answers %s with 405, Allow and the JSON error shape',
    async (method) => {
      // Act
      const res = await search('q=dress', { method });
      // Assess
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD, POST');
      expect(errorCode(res.body)).toBe('method_not_allowed');
    },
  );

  it('answers CONNECT (not a proxy) with 405 and an unknown Expect with 417, in JSON', async () => {
    // Act
    const connect = await rawExchange(
      url,
      'CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n',
    );
    const expectation = await rawExchange(
      url,
      'GET /healthz HTTP/1.1\r\nhost: x\r\nexpect: bogus\r\nconnection: close\r\n\r\n',
    );
    // Assess
    expect([connect.status, errorCode(connect.body)]).toEqual([405, 'method_not_allowed']);
    expect([expectation.status, errorCode(expectation.body)]).toEqual([417, 'expectation_failed']);
    expect(expectation.headers).toContain('x-content-type-options: nosniff');
  });

  it.each([
    '//api/search?q=a',
    '/api/search/?q=a',
    '/API/search?q=a',
    '/api/../healthz',
    '/api/%2e%2e/healthz',
    '/api/search;x?q=a',
  ])('answers the path trick %s with a JSON 404, never another route', async (path) => {
    // Act
    const res = await rawRequest(url, path);
    // Assess
    expect(res.status).toBe(404);
    expect(errorCode(res.body)).toBe('not_found');
  });

  it('answers JSON whatever the Accept header asks for', async () => {
    // Act
    const answers = await Promise.all(
      ['text/html', 'application/xml', '*/*', 'image/*;q=0.1', 'garbage;;;'].map((accept) =>
        search('q=dress', { headers: { accept } }),
      ),
    );
    // Assess
    expect(answers.map((r) => [r.status, r.headers['content-type']])).toEqual(
      Array(5).fill([200, 'application/json; charset=utf-8']),
    );
  });

  it('answers a burst of 300 concurrent searches, all 200, none 5xx', async () => {
    // Act
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => search(`q=burst+${i}&k=${1 + (i % 50)}`)),
    );
    // Assess
    expect(new Set(answers.map((r) => r.status))).toEqual(new Set([200]));
  });
});
