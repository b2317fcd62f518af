import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '#test/support/browser.ts';
import { drawnGarmentPng, type Site, startSite, waitForResults, watchPage } from './site.ts';

// The whole flow with the keyboard alone: pick, type, search, open an alternative, switch to cut-outs.

let site: Site;

beforeAll(async () => {
  if (hasChromium) site = await startSite();
}, 300_000);
afterAll(() => site?.close());

/** The data-testid (or id) of the focused element. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el?.getAttribute('data-testid') ?? el?.id ?? '';
  });
}

/** Presses Tab until the focused element is `target`; fails after `limit` presses. */
async function tabTo(page: Page, target: string, limit = 60): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if ((await focused(page)) === target) return;
  }
  throw new Error(`Tab never reached ${target}`);
}

/** True when the focused element draws a visible focus outline. */
function focusVisible(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return false;
    const style = getComputedStyle(el);
    return style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0;
  });
}

describe.skipIf(!hasChromium)('the search page with the keyboard alone', () => {
  it('picks features, searches with Enter, opens an alternative and switches to cut-outs', async () => {
    // Prepare
    const page = await site.browser.newPage();
    const watched = watchPage(page);
    await page.goto(site.url);

    // Act
    await tabTo(page, 'feature-type');
    const pickerOutlined = await focusVisible(page);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await tabTo(page, 'feature-colour');
    await page.keyboard.press('ArrowDown');
    await tabTo(page, 'query');
    const composed = await page.getByTestId('query').inputValue();
    await page.keyboard.press('End');
    await page.keyboard.type(' with stripes');
    await page.keyboard.press('Enter');
    await waitForResults(page);
    await tabTo(page, 'alternative');
    const altOutlined = await focusVisible(page);
    const chosen = await page.evaluate(() => document.activeElement?.getAttribute('data-product-id'));
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('product') === chosen);
    await waitForResults(page);
    const headingFocused = await page.evaluate(() => document.activeElement?.id);
    await tabTo(page, 'show-cutouts');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('show-cutouts').getAttribute('aria-pressed')).toBe('true');

    // Assess
    expect(pickerOutlined).toBe(true);
    expect(composed).toBe('red shirt');
    expect(new URL(page.url()).searchParams.get('q')).toBe('red shirt with stripes');
    expect(altOutlined).toBe(true);
    expect(await page.getByTestId('best-match').getAttribute('data-product-id')).toBe(chosen);
    expect(headingFocused).toBe('best-name');
    expect(await focused(page)).toBe('show-cutouts');
    expect(watched.errors).toEqual([]);
    await page.close();
  });

  it('searches with a pasted picture address and Enter', async () => {
    // Prepare
    const page = await site.browser.newPage();
    const address = await site.servePicture('keyboard-shirt.png', await drawnGarmentPng());
    await page.goto(site.url);

    // Act
    await tabTo(page, 'image-url');
    await page.keyboard.type(address);
    await page.keyboard.press('Enter');

    // Assess
    await waitForResults(page);
    expect(await page.getByTestId('status').textContent()).toBe('Best match for your photo');
    expect(new URL(page.url()).searchParams.get('image_url')).toBe(address);
    await page.close();
  });
});
