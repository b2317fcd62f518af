import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { catalogStore, MODEL, record } from '#test/search/fixtures.ts';
import { closeAll, serve } from '#test/search/serve.ts';
import { hasChromium, launchChromium } from '#test/support/browser.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';

// What the page shows for the catalog it has and for a server that is not ready: small in-memory catalogs.

let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (hasChromium) browser = await launchChromium();
});
afterEach(async () => {
  await page?.close();
  await closeAll();
});
afterAll(() => browser?.close());

async function open(options: Parameters<typeof serve>[0], query = ''): Promise<Page> {
  const { url } = await serve(options);
  page = await browser.newPage();
  await page.goto(query ? `${url}/?${new URLSearchParams({ q: query })}` : url);
  return page;
}

const visible = (testId: string) => page.getByTestId(testId).isVisible();

describe.skipIf(!hasChromium)('the page adapts to the catalog and the server', () => {
  it('offers only the filters the catalog has values for', async () => {
    // Act (the fixture catalog has categories and prices, no colours)
    await open({ store: await catalogStore() });
    await expect.poll(() => visible('filter-category')).toBe(true);

    // Assess
    expect(await page.getByTestId('filter-category').locator('option').allTextContents()).toEqual([
      'all categories',
      'coat',
      'dress',
      'shirt',
    ]);
    expect(await visible('filter-color')).toBe(false);
    expect(await visible('filter-price-min')).toBe(true);
  });

  it('hides the filters for a catalog without metadata, and says so when it is empty', async () => {
    // Prepare
    const store = new MemoryVectorStore();
    await store.bind({ model: MODEL, dim: 2 });

    // Act
    await open({ store }, 'anything');
    await expect
      .poll(() => page.getByTestId('status').textContent())
      .toBe('The shop has no products yet. Please come back later.');

    // Assess
    expect(await page.locator('#filters').isVisible()).toBe(false);
    expect(await page.getByTestId('best-match').count()).toBe(0);
  });

  it('shows a plain product catalog without filters', async () => {
    // Prepare
    const store = new MemoryVectorStore();
    await store.bind({ model: MODEL, dim: 2 });
    await store.upsert(['a', 'b', 'c'].map((id, i) => record(id, i * 30)));

    // Act
    await open({ store }, 'shirt at thirty');
    await page.getByTestId('best-match').waitFor();

    // Assess
    expect(await page.getByTestId('alternative').count()).toBe(2);
    expect(await page.locator('#filters').isVisible()).toBe(false);
  });

  it('asks the shopper to wait while the server is still starting', async () => {
    // Act
    await open({ store: await catalogStore(), ready: () => false }, 'shirt at thirty');

    // Assess
    await expect
      .poll(() => page.getByTestId('status').textContent())
      .toBe('The shop is still getting ready. Please try again in a moment.');
    expect(await page.getByTestId('status').getAttribute('class')).toContain('error');
  });
});
