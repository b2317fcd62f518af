import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SampleServer, startSampleServer } from '#samples/generator/image-server.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

// Sends the path exactly as written (fetch would normalise `..` away).
function rawGet(base: string, rawPath: string, method = 'GET'): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path: rawPath, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startSampleServer', () => {
  let dir: string;
  let server: SampleServer;
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 4, 5]);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tf-sample-server-'));
    await mkdir(path.join(dir, 'images', 'sub'), { recursive: true });
    await writeFile(path.join(dir, 'images', 'a.jpg'), jpeg);
    await writeFile(path.join(dir, 'images', 'b.png'), png);
    await writeFile(path.join(dir, 'images', 'notes.txt'), 'hello');
    await writeFile(path.join(dir, 'secret.jpg'), 'outside the images folder');
    await symlink(path.join(dir, 'secret.jpg'), path.join(dir, 'images', 'link.jpg'));
    server = await startSampleServer({ dir });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on a loopback port', () => {
    // Prepare: the server from beforeAll

    // Act
    const url = new URL(server.url);

    // Assess
    expect(url.hostname).toBe('127.0.0.1');
    expect(Number(url.port)).toBeGreaterThan(0);
  });

  it('serves images with their content type and length', async () => {
    // Prepare
    const paths = ['/images/a.jpg', '/images/b.png', '/images/a.jpg?v=2'];

    // Act
    const [a, b, withQuery] = await Promise.all(paths.map((p) => rawGet(server.url, p)));

    // Assess
    expect([a?.status, a?.headers['content-type'], a?.headers['content-length']]).toEqual([
      200,
      'image/jpeg',
      '7',
    ]);
    expect(a?.body.equals(jpeg)).toBe(true);
    expect([b?.status, b?.headers['content-type']]).toEqual([200, 'image/png']);
    expect(b?.body.equals(png)).toBe(true);
    expect(withQuery?.status).toBe(200);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    // Prepare
    const path = '/images/a.jpg';

    // Act
    const [head, post] = await Promise.all([
      rawGet(server.url, path, 'HEAD'),
      rawGet(server.url, path, 'POST'),
    ]);

    // Assess
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, '7', 0]);
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
  });

  it.each([
    '/../package.json',
    '/images/../secret.jpg',
    '/images/..%2fsecret.jpg',
    '/images/%2e%2e%2fsecret.jpg',
    '/images/%2e%2e/secret.jpg',
    '/images/..%5csecret.jpg',
    '/images/%252e%252e%252fsecret.jpg',
    '/images/a.jpg%00.png',
    '/images/%E0%A4%A.jpg',
    '/images/link.jpg',
    '/images/notes.txt',
    '/images/sub',
    '/images/missing.jpg',
    '/images/',
    '/',
  ])('refuses %s with a 404', async (rawPath) => {
    // Prepare: rawPath from the table

    // Act
    const res = await rawGet(server.url, rawPath);

    // Assess
    expect(res.status).toBe(404);
    expect(res.body.toString()).toBe('not found');
  });
});
