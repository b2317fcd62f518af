import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasChromium } from '#test/support/browser.ts';
import {
  imagesLoaded,
  type Site,
  screenshot,
  shownIds,
  startSite,
  waitForResults,
  watchPage,
} from './site.ts';

// The search page in a real Chromium, against the real server over an ingested sample catalog.

let site: Site;
let page: Page;
let watched: { errors: string[] };

beforeAll(async () => {
  if (hasChromium) site = await startSite();
}, 300_000);
afterAll(() => site?.close());

const QUERY = 'red striped shirt';
const at = (params: Record<string, string>) => `${site.url}/?${new URLSearchParams(params)}`;
const query = () => page.getByTestId('query').inputValue();
const categoryOf = (id: string | null) => site.products.find((p) => p.id === id)?.category;

describe.skipIf(!hasChromium)('the search page', () => {
  beforeEach(async () => {
    page = await site.browser.newPage({ viewport: { width: 1280, height: 800 } });
    watched = watchPage(page);
    return async () => {
      expect(watched.errors).toEqual([]);
      await page.close();
    };
  });

  it('builds the query sentence from picked features, keeps hand-typed words, and shows the results with photos', async () => {
    // Prepare
    await page.goto(site.url);

    // Act
    await page.getByTestId('feature-type').selectOption('shirt');
    const afterType = await query();
    await page.getByTestId('feature-colour').selectOption('red');
    await page.getByTestId('feature-pattern').selectOption('striped');
    const picked = await query();
    await page.getByTestId('query').fill('red striped shirt with pockets');
    await page.getByTestId('feature-sleeve').selectOption('long-sleeved');
    const edited = await query();
    await page.getByTestId('search').click();
    await waitForResults(page);

    // Assess
    expect([afterType, picked, edited]).toEqual([
      'shirt',
      'red striped shirt',
      'red striped long-sleeved shirt with pockets',
    ]);
    expect(new URL(page.url()).searchParams.get('q')).toBe(edited);
    await expect.poll(() => imagesLoaded(page, '[data-testid="best-match"]')).toBe(true);
    await expect.poll(() => imagesLoaded(page, '#alternatives')).toBe(true);
    const best = await shownIds(page);
    const bestImages = site.products.find((p) => p.id === best.best)?.images.filter((i) => !i.missing).length;
    expect(await page.getByTestId('best-match').locator('.gallery img:visible').count()).toBe(bestImages);
    expect(await page.getByTestId('status').textContent()).toBe(`Best match for “${edited}”`);
  });

  it('switches the best match between the original photos and the segmented cut-outs', async () => {
    // Prepare
    await page.goto(at({ q: QUERY }));
    await waitForResults(page);
    const originals = await page.getByTestId('best-match').locator('.gallery img').count();

    // Act
    await page.getByTestId('show-cutouts').click();

    // Assess
    const gallery = page.getByTestId('best-match').locator('.gallery img');
    await expect.poll(() => gallery.count()).toBe(originals);
    const sources = await gallery.evaluateAll((imgs) =>
      imgs.map((i) => new URL((i as HTMLImageElement).src).pathname),
    );
    expect(sources.every((s) => /^\/api\/products\/[^/]+\/masked\/\d+$/.test(s))).toBe(true);
    await expect.poll(() => imagesLoaded(page, '[data-testid="best-match"]')).toBe(true);
    expect(await page.getByTestId('show-cutouts').getAttribute('aria-pressed')).toBe('true');
    await screenshot(page, 'search-cutouts.png');
  });

  it('makes a clicked alternative the focus with its own alternatives, and the back button returns', async () => {
    // Prepare
    await page.goto(at({ q: QUERY }));
    await waitForResults(page);
    const before = await shownIds(page);
    const chosen = before.alternatives[1] ?? '';

    // Act
    await page.getByTestId('alternative').nth(1).click();
    await page.waitForFunction(
      (id) => document.querySelector('[data-testid="best-match"]')?.getAttribute('data-product-id') === id,
      chosen,
    );
    await waitForResults(page);
    const focused = await shownIds(page);
    const focusedUrl = new URL(page.url());
    await page.goBack();
    await page.waitForFunction(
      (id) => document.querySelector('[data-testid="best-match"]')?.getAttribute('data-product-id') === id,
      before.best,
    );
    await waitForResults(page);

    // Assess
    expect(focused.best).toBe(chosen);
    expect(focused.alternatives).toHaveLength(5);
    expect(focused.alternatives).not.toContain(chosen);
    expect(focusedUrl.searchParams.get('product')).toBe(chosen);
    await expect.poll(() => imagesLoaded(page, '#alternatives')).toBe(true);
    expect(await shownIds(page)).toEqual(before);
    expect(await query()).toBe(QUERY);
  });

  it('shows only the chosen category once the filter is set', async () => {
    // Prepare
    await page.goto(at({ q: 'red dress' }));
    await waitForResults(page);
    const unfiltered = await shownIds(page);
    await expect
      .poll(() => page.getByTestId('filter-category').locator('option').allTextContents())
      .toContain('tops');

    // Act
    await page.getByTestId('filter-category').selectOption('tops');
    await page.waitForURL((u) => u.searchParams.get('category') === 'tops');
    await waitForResults(page);

    // Assess
    const filtered = await shownIds(page);
    expect([unfiltered.best, ...unfiltered.alternatives].map(categoryOf)).not.toEqual(Array(6).fill('tops'));
    expect([filtered.best, ...filtered.alternatives].map(categoryOf)).toEqual(Array(6).fill('tops'));
  });

  it('gives the same page when a shared URL is opened again', async () => {
    // Prepare
    await page.goto(at({ q: QUERY, category: 'tops' }));
    await waitForResults(page);
    await page.getByTestId('alternative').first().click();
    await page.waitForURL((u) => u.searchParams.has('product'));
    await waitForResults(page);
    const shared = page.url();
    const original = await shownIds(page);

    // Act
    const other = await site.browser.newPage();
    await other.goto(shared);
    await waitForResults(other);

    // Assess
    expect(await shownIds(other)).toEqual(original);
    expect(await other.getByTestId('query').inputValue()).toBe(QUERY);
    expect(await other.getByTestId('filter-category').inputValue()).toBe('tops');
    expect(await other.getByTestId('feature-colour').inputValue()).toBe('red');
    await other.close();
  });

  it('says in plain words when nothing matches and when the query is refused', async () => {
    // Act
    await page.goto(at({ q: QUERY, price_min: '5000' }));
    await expect.poll(() => page.getByTestId('status').textContent()).toMatch(/^No products match/);
    const empty = await page.getByTestId('best-match').count();
    await page.goto(at({ q: 'x'.repeat(600) }));
    await expect.poll(() => page.getByTestId('status').textContent()).toMatch(/^We could not|too long/);

    // Assess
    expect(empty).toBe(0);
    expect(await page.getByTestId('best-match').count()).toBe(0);
  });

  it('fits a phone screen and a desktop screen (screenshots in test-artifacts/)', async () => {
    // Prepare
    await page.goto(at({ q: QUERY }));
    await waitForResults(page);
    await expect.poll(() => imagesLoaded(page, '#results')).toBe(true);

    // Act
    await screenshot(page, 'search-desktop.png');
    await page.setViewportSize({ width: 375, height: 740 });
    await expect.poll(() => imagesLoaded(page, '#results')).toBe(true);
    await screenshot(page, 'search-phone.png');

    // Assess
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const button = await page.getByTestId('search').boundingBox();
    expect(button && button.x >= 0 && button.x + button.width <= 375).toBe(true);
  });
});
