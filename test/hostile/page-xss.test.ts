import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductRecord } from '#core/types.ts';
import { at, MODEL, textEmbedder } from '#test/search/fixtures.ts';
import { closeAll, serve } from '#test/search/serve.ts';
import { hasChromium, launchChromium } from '#test/support/browser.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';

const NAME = '<img src=x onerror="window.__pwned=1">';
// Nothing here may resolve: the images point at a closed loopback port.
const IMAGE = 'http://127.0.0.1:9/shirt.jpg';

/** Products whose every string tries to become markup or a script link. */
function hostileProducts(): ProductRecord[] {
  const product = (id: string, angle: number, metadata: ProductRecord['metadata'], images = [IMAGE]) => ({
    id,
    vector: Float32Array.from(at(angle)),
    images,
    metadata,
    imagesUsed: images.length,
  });
  return [
    product(
      'best',
      30,
      {
        name: NAME,
        category: '<script>window.__pwned=2</script>',
        color: '"><svg onload="window.__pwned=3">',
        product_url: 'javascript:window.__pwned=4',
        '<b onmouseover="alert(5)">key</b>': 'value',
      },
      [IMAGE, 'javascript:window.__pwned=6', 'data:image/svg+xml,<svg onload="window.__pwned=7"/>'],
    ),
    // Far enough apart (20 degrees, cosine 0.94) that the near-duplicate collapse keeps every one.
    product('alt-1', 50, { name: 'Plain', product_url: 'JaVaScRiPt:window.__pwned=8' }),
    product('alt-2', 70, { name: 'Entity', product_url: 'jav&#x61;script:window.__pwned=9' }),
    product('alt-3', 90, { name: 'Shop', product_url: 'https://shop.example/p/3' }),
  ];
}

describe.skipIf(!hasChromium)('the search page with hostile product data', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    const store = new MemoryVectorStore();
    await store.bind({ model: MODEL, dim: 2 });
    await store.upsert(hostileProducts());
    const { url } = await serve({ store, text: textEmbedder() });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${url}/?q=shirt+at+thirty`);
    await page.getByTestId('best-match').waitFor();
    await page.getByTestId('alternative').nth(2).waitFor();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await closeAll();
  });

  it('renders markup in names, metadata keys and values as text, running none of it', async () => {
    // Act
    const best = page.getByTestId('best-match');
    const heading = await best.locator('h2').textContent();
    const text = await best.textContent();
    const injected = await page.evaluate(() => ({
      pwned: (window as { __pwned?: unknown }).__pwned ?? null,
      scripts: document.querySelectorAll('script:not([src="/app.js"])').length,
      handlers: Array.from(document.querySelectorAll('*')).filter((el) =>
        Array.from(el.attributes).some((a) => a.name.startsWith('on')),
      ).length,
      svgs: document.querySelectorAll('svg').length,
      bold: document.querySelectorAll('b').length,
    }));
    // Assess
    expect(heading).toBe(NAME);
    expect(text).toContain('<script>window.__pwned=2</script>');
    expect(text).toContain('"><svg onload="window.__pwned=3">');
    expect(text).toContain('<b onmouseover="alert(5)">key</b>');
    expect(injected).toEqual({ pwned: null, scripts: 0, handlers: 0, svgs: 0, bold: 0 });
  });

  it('makes no javascript: or data: URL clickable or loadable, but keeps a real shop link', async () => {
    // Act
    const origin = new URL(page.url()).origin;
    const links = await page.locator('a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    const images = await page
      .locator('img[src]')
      .evaluateAll((imgs) => imgs.map((i) => i.getAttribute('src')));
    await page.locator('[data-testid="alternative"][data-product-id="alt-3"]').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="best-match"]')?.getAttribute('data-product-id') === 'alt-3',
    );
    const shopLinks = await page
      .locator('[data-testid="best-match"] a')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    // Assess: the page's own links (skip link, alternatives) stay on the site; the only shop link is the real one
    expect(links.filter((href) => !href.startsWith(`${origin}/`))).toEqual([]);
    expect(new Set(images)).toEqual(new Set([IMAGE]));
    expect(shopLinks).toEqual(['https://shop.example/p/3']);
  });
});
