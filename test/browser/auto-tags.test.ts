import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasChromium } from '#test/support/browser.ts';
import { type Site, screenshot, shownIds, startSite, watchPage } from './site.ts';

// A catalog of bare image URLs (no category, colour or pattern column): the page's filters are the auto-tags the
// aggregate step gave each product from its photos (stand-in models: the tags are arbitrary, the plumbing real).

let site: Site;
let page: Page;
let watched: { errors: string[] };

beforeAll(async () => {
  if (hasChromium) site = await startSite({ bare: true });
}, 300_000);
afterAll(() => site?.close());

interface Facets {
  categories: string[];
  colors: string[];
  autoTags: { group: string; label: string; auto: boolean; values: string[] }[];
}
interface Product {
  id: string;
  autoTags?: Record<string, { value: string; margin: number }>;
}

const api = async <T>(path: string): Promise<T> => (await fetch(`${site.url}${path}`)).json() as Promise<T>;

/** A product's colour auto-tag, as the API shows it. */
const colourOf = async (id: string) =>
  (await api<Product>(`/api/products/${encodeURIComponent(id)}`)).autoTags?.colour?.value;

describe.skipIf(!hasChromium)('auto-tags on the search page', () => {
  beforeEach(async () => {
    page = await site.browser.newPage({ viewport: { width: 1280, height: 800 } });
    watched = watchPage(page);
    return async () => {
      expect(watched.errors).toEqual([]);
      await page.close();
    };
  });

  it('offers the auto-tags as filters, marked auto-tagged, and a picked one narrows the results to products with that tag', async () => {
    // Prepare
    const facets = await api<Facets>('/api/facets');
    const colour = facets.autoTags.find((t) => t.group === 'colour');
    await page.goto(`${site.url}/?q=shirt`);
    await page.getByTestId('best-match').waitFor();
    const before = await shownIds(page);
    const beforeIds = [before.best, ...before.alternatives].filter((id): id is string => id !== null);
    const beforeTags = new Map(
      await Promise.all(beforeIds.map(async (id) => [id, await colourOf(id)] as const)),
    );
    // A colour that some product, but not every product now shown, carries: picking it must narrow the results.
    const picked = colour?.values.find((v) => [...beforeTags.values()].some((t) => t !== v));

    // Act
    const filter = page.getByTestId('filter-tag-colour');
    await filter.waitFor();
    const searched = page.waitForResponse((r) => r.url().includes('tag_colour='));
    await filter.selectOption(picked as string);
    await searched;
    await page.waitForFunction(
      () => document.getElementById('results')?.getAttribute('aria-busy') !== 'true',
    );
    const after = await shownIds(page);
    const afterIds = [after.best, ...after.alternatives].filter((id): id is string => id !== null);
    await screenshot(page, 'search-auto-tags.png');

    // Assess
    expect(facets.categories).toEqual([]);
    expect(facets.colors).toEqual([]);
    expect(colour?.auto).toBe(true);
    expect(picked).toBeDefined();
    expect(await page.getByTestId('filter-category').isVisible()).toBe(false);
    expect(await page.locator('label[for="filter-tag-colour"]').textContent()).toBe('Colour (auto-tagged)');
    expect(new URL(page.url()).searchParams.get('tag_colour')).toBe(picked);
    expect(afterIds.length).toBeGreaterThan(0);
    expect(await Promise.all(afterIds.map(colourOf))).toEqual(afterIds.map(() => picked));
    const dropped = beforeIds.filter((id) => beforeTags.get(id) !== picked);
    expect(dropped.length).toBeGreaterThan(0);
    expect(afterIds.filter((id) => dropped.includes(id))).toEqual([]);
    expect(await page.getByTestId('auto-tag-colour').textContent()).toBe(picked);
  });
});
