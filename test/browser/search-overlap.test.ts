import type { Browser, Page, Request, Route } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeAll, serve } from '#test/search/serve.ts';
import { hasChromium, launchChromium } from '#test/support/browser.ts';

// Two searches in flight at once: the page must show the newer one only, whatever order the answers come in.

const FIRST = 'shirt at thirty';
const SECOND = 'coat at 180';

/** Holds every /api/search request until the test releases it with the real server's answer. */
class HeldSearches {
  private readonly held: { query: string; route: Route }[] = [];
  private readonly settled = new Map<Request, () => void>();
  private readonly waiters: (() => void)[] = [];
  /** Requests the page aborted. */
  readonly dropped = new Set<Request>();

  async attach(page: Page): Promise<void> {
    const settle = (r: Request) => this.settled.get(r)?.();
    page.on('requestfinished', settle);
    page.on('requestfailed', (r) => {
      this.dropped.add(r);
      settle(r);
    });
    await page.route('**/api/search?*', (route) => {
      const query = new URL(route.request().url()).searchParams.get('q') ?? '';
      this.held.push({ query, route });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** The queries whose requests the page aborted. */
  droppedQueries(): string[] {
    return this.held.filter((h) => this.dropped.has(h.route.request())).map((h) => h.query);
  }

  /** Waits until the request for `query` is held. */
  async arrived(query: string): Promise<void> {
    while (!this.held.some((h) => h.query === query)) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Sends the real answer for `query`; resolves when the page has the whole response or dropped the request. */
  async release(query: string): Promise<void> {
    const entry = this.held.find((h) => h.query === query);
    if (!entry) throw new Error(`no held search for ${JSON.stringify(query)}`);
    const request = entry.route.request();
    if (this.dropped.has(request)) return;
    const settled = new Promise<void>((resolve) => this.settled.set(request, resolve));
    const response = await entry.route.fetch();
    await entry.route.fulfill({ response }).catch(() => {});
    await settled;
  }
}

/** Moves the page to `?q=query` the way the back button does: a URL change, then popstate. */
function goBackTo(page: Page, query: string): Promise<void> {
  return page.evaluate((q) => {
    history.pushState(null, '', `/?${new URLSearchParams({ q })}`);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, query);
}

/** What the page shows once every pending task has run. */
async function shown(page: Page) {
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
  return {
    status: await page.getByTestId('status').textContent(),
    best: await page.getByTestId('best-match').locator('h2').allTextContents(),
    alternatives: await page.getByTestId('alternative').count(),
  };
}

describe.skipIf(!hasChromium)('the search page with overlapping searches', () => {
  let browser: Browser;
  let url: string;
  let page: Page;
  let searches: HeldSearches;
  beforeAll(async () => {
    ({ url } = await serve());
    browser = await launchChromium();
  }, 60_000);
  beforeEach(async () => {
    page = await browser.newPage();
    searches = new HeldSearches();
    await searches.attach(page);
    return () => page.close();
  });
  afterAll(async () => {
    await browser?.close();
    await closeAll();
  });

  it('shows only the newer search when the older answer arrives first', async () => {
    // Prepare
    await page.goto(`${url}/?${new URLSearchParams({ q: FIRST })}`);
    await searches.arrived(FIRST);
    await goBackTo(page, SECOND);
    await searches.arrived(SECOND);

    // Act
    await searches.release(FIRST);
    await searches.release(SECOND);

    // Assess: once a best match is drawn (a loaded machine may take more than the 50 ms shown() waits)
    await page.getByTestId('best-match').locator('h2').waitFor({ timeout: 10_000 });
    expect(await shown(page)).toEqual({
      status: `Best match for “${SECOND}”`,
      best: ['product g'],
      alternatives: 5,
    });
    expect(searches.droppedQueries()).toEqual([FIRST]);
  });

  it('keeps the newer search when the stale answer arrives last', async () => {
    // Prepare
    await page.goto(`${url}/?${new URLSearchParams({ q: FIRST })}`);
    await searches.arrived(FIRST);
    await goBackTo(page, SECOND);
    await searches.arrived(SECOND);

    // Act
    await searches.release(SECOND);
    await searches.release(FIRST);

    // Assess: once a best match is drawn (a loaded machine may take more than the 50 ms shown() waits)
    await page.getByTestId('best-match').locator('h2').waitFor({ timeout: 10_000 });
    expect(await shown(page)).toEqual({
      status: `Best match for “${SECOND}”`,
      best: ['product g'],
      alternatives: 5,
    });
    expect(searches.droppedQueries()).toEqual([FIRST]);
  });

  it('clears the page and drops the answer when the query is emptied mid-search', async () => {
    // Prepare
    await page.goto(`${url}/?${new URLSearchParams({ q: FIRST })}`);
    await searches.arrived(FIRST);
    await page.evaluate(() => {
      history.pushState(null, '', '/');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });

    // Act
    await searches.release(FIRST);

    // Assess
    expect(await shown(page)).toEqual({ status: '', best: [], alternatives: 0 });
    expect(await page.getByTestId('search').isEnabled()).toBe(true);
    expect(searches.droppedQueries()).toEqual([FIRST]);
  });
});
