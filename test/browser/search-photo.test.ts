import { randomBytes } from 'node:crypto';
import type { Page, Request } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasChromium } from '#test/support/browser.ts';
import { drawnGarmentPng, imagesLoaded, type Site, startSite, waitForResults, watchPage } from './site.ts';

// Search by photo in a real Chromium: upload, drop, a pasted address, and the checks before anything is sent.

let site: Site;
let page: Page;
let watched: { errors: string[] };
let posts: Request[];
let shirt: Buffer;

beforeAll(async () => {
  if (!hasChromium) return;
  site = await startSite();
  shirt = await drawnGarmentPng();
}, 300_000);
afterAll(() => site?.close());

const status = () => page.getByTestId('status').textContent();

describe.skipIf(!hasChromium)('search by photo', () => {
  beforeEach(async () => {
    page = await site.browser.newPage();
    watched = watchPage(page);
    posts = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(r);
    });
    await page.goto(site.url);
    return async () => {
      await page.close();
    };
  });

  it('finds products for an uploaded photo', async () => {
    // Act
    await page
      .getByTestId('image-upload')
      .setInputFiles({ name: 'my-shirt.png', mimeType: 'image/png', buffer: shirt });
    await waitForResults(page);

    // Assess
    expect(await status()).toBe('Best match for your photo');
    expect(posts.map((r) => r.headers()['content-type'])).toEqual(['image/png']);
    await expect.poll(() => imagesLoaded(page, '#results')).toBe(true);
    expect(new URL(page.url()).searchParams.get('photo')).toBe('upload');
    expect(await page.locator('#photo-preview').isVisible()).toBe(true);
    expect(watched.errors).toEqual([]);
  });

  it('re-encodes a large photo smaller before sending it (the deployed API takes ~4.5 MB)', async () => {
    // Prepare: 1400x1400 of noise is a ~5.6 MB PNG, under the page's 8 MB but over what API Gateway passes.
    const noise = randomBytes(1400 * 1400 * 3);
    const big = await sharp(noise, { raw: { width: 1400, height: 1400, channels: 3 } })
      .png()
      .toBuffer();
    expect(big.length).toBeGreaterThan(4.5 * 1024 * 1024);
    // Act
    await page
      .getByTestId('image-upload')
      .setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: big });
    await waitForResults(page);
    // Assess
    expect(await status()).toBe('Best match for your photo');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.headers()['content-type']).toBe('image/jpeg');
    const sent = Number((await posts[0]?.allHeaders())?.['content-length'] ?? Number.POSITIVE_INFINITY);
    expect(sent).toBeLessThanOrEqual(3 * 1024 * 1024);
  });

  it('finds products for a photo dropped on the drop zone', async () => {
    // Act
    await page.evaluate((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
      const zone = document.querySelector('[data-testid="drop-zone"]');
      zone?.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      zone?.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, shirt.toString('base64'));
    await waitForResults(page);

    // Assess
    expect(await status()).toBe('Best match for your photo');
    expect(posts).toHaveLength(1);
  });

  it('finds products for a pasted picture address served by another local server', async () => {
    // Prepare
    const address = await site.servePicture('query-shirt.png', shirt);

    // Act
    await page.getByTestId('image-url').fill(address);
    await page.getByTestId('image-url').press('Enter');
    await waitForResults(page);

    // Assess
    expect(await status()).toBe('Best match for your photo');
    expect(posts.map((r) => JSON.parse(r.postData() ?? '{}'))).toEqual([{ imageUrl: address }]);
    expect(new URL(page.url()).searchParams.get('image_url')).toBe(address);
    await expect.poll(() => imagesLoaded(page, '#results')).toBe(true);
    expect(watched.errors).toEqual([]);
  });

  it('says so in words, without sending anything, for a file that is not a photo or is over 8 MB', async () => {
    // Act
    const upload = page.getByTestId('image-upload');
    await upload.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    const notPhoto = await status();
    const huge = Buffer.concat([shirt, Buffer.alloc(9 * 1024 * 1024)]);
    await upload.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: huge });
    const tooBig = await status();

    // Assess
    expect(notPhoto).toBe('“notes.txt” is not a photo. Please choose a JPEG, PNG or WebP picture.');
    expect(tooBig).toMatch(/^“huge\.png” is 9\.\d MB; photos must be 8 MB or smaller/);
    expect(await page.getByTestId('status').getAttribute('class')).toContain('error');
    expect(posts).toEqual([]);
  });

  it('explains in words when the server cannot use the picture at an address', async () => {
    // Prepare
    const missing = `${await site.servePicture('exists.png', shirt)}-missing.png`;
    const text = await site.servePicture('not-a-picture.png', Buffer.from('plain text, not a picture'));

    // Act
    await page.getByTestId('image-url').fill(missing);
    await page.getByTestId('image-url-search').click();
    await expect.poll(status).toMatch(/^We could not fetch a picture from that address/);
    await page.getByTestId('image-url').fill(text);
    await page.getByTestId('image-url').press('Enter');

    // Assess
    await expect
      .poll(status)
      .toBe('The address does not lead to a photo we can use. Please use a JPEG, PNG or WebP picture.');
    expect(await page.getByTestId('best-match').count()).toBe(0);
    expect(posts).toHaveLength(2);
  });
});
