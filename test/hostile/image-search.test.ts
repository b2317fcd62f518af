import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import type { ImageEmbedder, Segmenter } from '#core/ports/models.ts';
import { createApi } from '#functions/search/api.ts';
import { type RunningServer, startServer } from '#local/http-server.ts';
import { catalogStore, MODEL, textEmbedder } from '#test/search/fixtures.ts';
import { multipart, shirtJpeg } from '#test/search/image-fixtures.ts';
import { rawRequest } from '#test/search/raw-http.ts';
import { head, type RawServer, startRawServer } from './raw-server.ts';

// Hostile image searches against the real local server: every refusal is a 4xx in the JSON error shape,
// reached before any model runs, and a private imageUrl is refused before any connection.

let server: RunningServer;
let hosts: RawServer;
let client: UndiciHttpClient;
let jpeg: Buffer;
const modelCalls: string[] = [];
const errors: unknown[] = [];

beforeAll(async () => {
  jpeg = await shirtJpeg('#d01010');
  hosts = await startRawServer({ '/a.jpg': (s) => s.end(head('200 OK', { 'content-length': 0 })) });
  client = new UndiciHttpClient({ allowPrivateHosts: false });
  const segmenter: Segmenter = {
    modelId: 'counting',
    segment: async (image) => {
      modelCalls.push('segment');
      return {
        data: new Uint8Array(image.width * image.height).fill(255),
        width: image.width,
        height: image.height,
      };
    },
  };
  const embedder: ImageEmbedder = {
    modelId: MODEL,
    dim: 2,
    embedImages: async (list) => {
      modelCalls.push('embed');
      return list.map(() => Float32Array.from([1, 0]));
    },
  };
  const api = createApi({
    text: textEmbedder(),
    store: await catalogStore(),
    image: {
      segmenter: async () => segmenter,
      embedder: async () => embedder,
      http: client,
      background: [0, 177, 64],
      maxPixels: 1_000_000,
    },
    onError: (e) => errors.push(e),
  });
  server = await startServer({ api, port: 0 });
});

afterAll(async () => {
  await server.close();
  await client.close();
  await hosts.close();
  expect(errors).toEqual([]);
});

const post = (body: Buffer | string, headers: Record<string, string>, qs = '') =>
  rawRequest(server.url, `/api/search${qs}`, { method: 'POST', headers, body: Buffer.from(body) });
const code = (res: { body: string }) => (JSON.parse(res.body) as { error: { code: string } }).error.code;

describe('POST /api/search against hostile requests', () => {
  it('answers a proper upload 200 (the harness works)', async () => {
    const res = await post(jpeg, { 'content-type': 'image/jpeg' });
    expect(res.status).toBe(200);
    expect(modelCalls.splice(0)).toEqual(['segment', 'embed']);
  });

  it('reads a GIF by its bytes, under its own label or another image label', async () => {
    const gif = await sharp(jpeg).gif().toBuffer();
    const asGif = await post(gif, { 'content-type': 'image/gif' });
    const asPng = await post(gif, { 'content-type': 'image/png' });
    expect([asGif.status, asPng.status]).toEqual([200, 200]);
    expect(modelCalls.splice(0)).toEqual(['segment', 'embed', 'segment', 'embed']);
  });

  it.each([
    ['no content type', '', {}, 415, 'unsupported_media_type'],
    ['text/plain', 'x', { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
    ['image/svg+xml declared', '<svg/>', { 'content-type': 'image/svg+xml' }, 415, 'unsupported_media_type'],
    ['a truncated GIF', 'GIF89a', { 'content-type': 'image/gif' }, 400, 'not_an_image'],
    ['an empty image body', '', { 'content-type': 'image/png' }, 400, 'missing_image'],
    ['HTML as image/jpeg', '<!doctype html><p>x', { 'content-type': 'image/jpeg' }, 400, 'not_an_image'],
    [
      'SVG as image/png',
      '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
      { 'content-type': 'image/png' },
      400,
      'not_an_image',
    ],
    ['JSON that is not JSON', '{"imageUrl":', { 'content-type': 'application/json' }, 400, 'invalid_json'],
    [
      'JSON with extra keys',
      '{"imageUrl":"https://a.example/x.jpg","q":1}',
      { 'content-type': 'application/json' },
      400,
      'invalid_json',
    ],
    [
      'imageUrl not a URL',
      '{"imageUrl":"not a url"}',
      { 'content-type': 'application/json' },
      400,
      'invalid_image_url',
    ],
    [
      'imageUrl with another scheme',
      '{"imageUrl":"file:///etc/passwd"}',
      { 'content-type': 'application/json' },
      400,
      'invalid_image_url',
    ],
    ['imageUrl as a number', '{"imageUrl":5}', { 'content-type': 'application/json' }, 400, 'invalid_json'],
    [
      'a multipart body without boundary',
      'x',
      { 'content-type': 'multipart/form-data' },
      400,
      'invalid_multipart',
    ],
  ])('refuses %s with %i %s', async (_, body, headers, status, expected) => {
    // Act
    const res = await post(body, headers as Record<string, string>);

    // Assess
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(code(res)).toBe(expected);
    expect(modelCalls).toEqual([]);
  });

  it.each([
    ['huge k', `?k=${'9'.repeat(300)}`, 'invalid_parameter'],
    ['k=0', '?k=0', 'invalid_parameter'],
    ['a negative price', '?price_min=-1', 'invalid_parameter'],
    ['NaN price', '?price_max=NaN', 'invalid_parameter'],
    ['duplicate k', '?k=1&k=2', 'repeated_parameter'],
    ['q on an image search', '?q=red', 'unknown_parameter'],
  ])('refuses %s with 400 before reading the image', async (_, qs, expected) => {
    const res = await post(jpeg, { 'content-type': 'image/jpeg' }, qs);
    expect([res.status, code(res)]).toEqual([400, expected]);
    expect(modelCalls).toEqual([]);
  });

  it('refuses truncated, extra-field and two-file multipart bodies', async () => {
    // Prepare
    const whole = multipart([{ name: 'image', filename: 'a.jpg', type: 'image/jpeg', body: jpeg }]);
    const extra = multipart([
      { name: 'note', body: 'x'.repeat(5000) },
      { name: 'image', filename: 'a.jpg', body: jpeg },
    ]);
    const wrongName = multipart([{ name: 'file', filename: 'a.jpg', body: jpeg }]);
    const two = multipart([
      { name: 'image', filename: 'a.jpg', body: jpeg },
      { name: 'image', filename: 'b.jpg', body: jpeg },
    ]);

    // Act
    const answers = await Promise.all(
      [{ ...whole, body: whole.body.subarray(0, whole.body.length - 60) }, extra, wrongName, two].map((f) =>
        post(f.body, { 'content-type': f.contentType }),
      ),
    );

    // Assess
    expect(answers.map((r) => [r.status, code(r)])).toEqual([
      [400, 'invalid_multipart'],
      [400, 'invalid_multipart'],
      [400, 'unexpected_field'],
      [400, 'invalid_multipart'],
    ]);
    expect(modelCalls).toEqual([]);
  });

  it('answers a 20 MB body with 413 without reading it into memory', async () => {
    const res = await post(Buffer.alloc(20 * 1024 * 1024, 1), { 'content-type': 'image/jpeg' });
    expect([res.status, code(res)]).toEqual([413, 'payload_too_large']);
  });

  it('answers a decompression bomb (too many pixels) with 413 too_many_pixels', async () => {
    // Prepare: 2000 x 2000 = 4 MP, over this server's 1 MP cap, in a few KB of PNG
    const sharp = (await import('sharp')).default;
    const bomb = await sharp({ create: { width: 2000, height: 2000, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();

    // Act
    const res = await post(bomb, { 'content-type': 'image/png' });

    // Assess
    expect([res.status, code(res)]).toEqual([413, 'too_many_pixels']);
    expect(modelCalls).toEqual([]);
  });

  it.each([
    ['loopback', (port: string) => `http://127.0.0.1:${port}/a.jpg`],
    ['localhost by name', (port: string) => `http://localhost:${port}/a.jpg`],
    ['private 10/8', () => 'http://10.0.0.1/a.jpg'],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 loopback', (port: string) => `http://[::1]:${port}/a.jpg`],
    ['a decimal IP', () => 'http://2130706433/a.jpg'],
  ])('refuses an imageUrl to %s before connecting', async (_, target) => {
    // Prepare
    const port = new URL(hosts.url).port;

    // Act
    const res = await post(JSON.stringify({ imageUrl: target(port) }), {
      'content-type': 'application/json',
    });

    // Assess
    expect([res.status, code(res)]).toEqual([400, 'blocked_host']);
    expect(hosts.hits('/a.jpg')).toBe(0);
    expect(modelCalls).toEqual([]);
  });
});
