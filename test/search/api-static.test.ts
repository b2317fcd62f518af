import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './raw-http.ts';
import { closeAll, serve, WEB_DIR } from './serve.ts';

afterEach(closeAll);

describe('routing, static files and limits', () => {
  it('answers 404 JSON for unknown paths and 405 with Allow for other methods', async () => {
    // Prepare
    const { url } = await serve();

    // Act
    const unknown = await fetch(`${url}/api/nope`);
    const missingFile = await fetch(`${url}/nope.js`);
    const put = await fetch(`${url}/api/search?q=red`, { method: 'PUT', body: 'x' });
    const postElsewhere = await fetch(`${url}/api/facets`, { method: 'POST', body: 'x' });

    // Assess
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('not_found');
    expect(missingFile.status).toBe(404);
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    expect((await put.json()).error.code).toBe('method_not_allowed');
    expect(postElsewhere.status).toBe(405);
    expect(postElsewhere.headers.get('allow')).toBe('GET, HEAD');
  });

  it('serves the page and its assets with their types, a same-origin CSP and nosniff', async () => {
    // Prepare
    const { url } = await serve();
    const onDisk = await readFile(path.join(WEB_DIR, 'index.html'), 'utf8');

    // Act
    const page = await fetch(`${url}/`);
    const script = await fetch(`${url}/app.js`);
    const style = await fetch(`${url}/style.css`);
    const head = await fetch(`${url}/`, { method: 'HEAD' });

    // Assess
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(onDisk);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  describe('outside the web folder', () => {
    let site: string;
    beforeAll(async () => {
      // site/secret.txt is a servable type next to the web folder; site/web/leak.txt links to it
      site = await mkdtemp(path.join(tmpdir(), 'threadfinder-web-'));
      await mkdir(path.join(site, 'web'));
      await writeFile(path.join(site, 'secret.txt'), 'TOP SECRET');
      await writeFile(path.join(site, 'web', 'index.html'), '<!doctype html><title>t</title>');
      await writeFile(path.join(site, 'web', '.hidden.txt'), 'TOP SECRET');
      await symlink(path.join(site, 'secret.txt'), path.join(site, 'web', 'leak.txt'));
    });
    afterAll(async () => {
      await rm(site, { recursive: true, force: true });
    });

    it.each([
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/x/..%2f..%2fsecret.txt',
      '/%2e%2e%5csecret.txt',
      '/.%2e/secret.txt',
      '/leak.txt',
      '/.hidden.txt',
      '/%00index.html',
      '/%E0%A4%A',
    ])('refuses %s', async (target) => {
      // Prepare
      const { url } = await serve({ webDir: path.join(site, 'web') });

      // Act
      const res = await rawRequest(url, target);
      const control = await rawRequest(url, '/index.html');

      // Assess
      expect([400, 404]).toContain(res.status);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.body).not.toContain('TOP SECRET');
      expect(control.status).toBe(200);
    });
  });

  it('answers a body over 1 MiB (8 MiB for an image search) with 413 JSON, declared or chunked', async () => {
    // Prepare
    const { url } = await serve();
    const big = Buffer.alloc(1024 * 1024 + 1, 97);
    const huge = Buffer.alloc(8 * 1024 * 1024 + 1, 97);

    // Act
    const declared = await rawRequest(url, '/api/facets', { method: 'POST', body: big });
    const chunked = await rawRequest(url, '/healthz', {
      method: 'PUT',
      headers: { 'transfer-encoding': 'chunked' },
      body: big,
    });
    const image = await rawRequest(url, '/api/search', {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: huge,
    });
    const imageChunked = await rawRequest(url, '/api/search', {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', 'transfer-encoding': 'chunked' },
      body: huge,
    });

    // Assess
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.code).toBe('payload_too_large');
    expect(chunked.status).toBe(413);
    expect(image.status).toBe(413);
    expect(JSON.parse(image.body).error.message).toMatch(/8388608 bytes/);
    expect(imageChunked.status).toBe(413);
  });
});
