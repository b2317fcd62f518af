import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { ingestCatalogFile } from '../../local/run-ingest.ts';
import { createLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { generateSampleCatalog } from '../../local/sample/catalog.ts';
import { writeSampleCatalogFile } from '../../local/sample/catalog-file.ts';
import { type SampleServer, startSampleServer } from '../../local/sample/server.ts';
import { serveSearch } from '../../local/serve.ts';
import { resolveModels } from '../../models/resolve.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';

// The minimal page in a real Chromium, against the real server over a small ingested sample catalog.

let dataDir: string;
let images: SampleServer;
let rt: LocalRuntime;
let site: { url: string; close(): Promise<void> };
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  dataDir = await mkdtemp(path.join(tmpdir(), 'tf-page-'));
  const sampleDir = path.join(dataDir, 'sample');
  const sample = await generateSampleCatalog(sampleDir, { products: 8 });
  images = await startSampleServer({ dir: sampleDir });
  const file = await writeSampleCatalogFile(sample.products, images.url, path.join(sampleDir, 'catalog.csv'));
  const config = loadConfig({ THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: dataDir });
  rt = await createLocalRuntime(config, await resolveModels(config), { allowAddresses: ['127.0.0.1'] });
  const quiet = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
  await ingestCatalogFile(rt, { file, log: () => {}, progressStream: quiet });
  site = await serveSearch(rt, { port: 0 });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await rt?.close();
  await images?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('the search page', () => {
  it('shows the best match with all its images loaded and 5 alternatives, and keeps the query in the URL', async () => {
    // Prepare
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));

    // Act
    await page.goto(site.url);
    await page.getByTestId('query').fill('red striped shirt');
    await page.getByTestId('search').click();
    await page.getByTestId('best-match').locator('img').first().waitFor();

    // Assess
    const best = page.getByTestId('best-match');
    await expect.poll(() => best.locator('img').count()).toBe(3);
    await expect
      .poll(() =>
        best
          .locator('img')
          .evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)),
      )
      .toBe(true);
    await expect.poll(() => page.getByTestId('alternative').count()).toBe(5);
    expect(new URL(page.url()).searchParams.get('q')).toBe('red striped shirt');
    expect(errors).toEqual([]);

    // A reload of the shared URL gives the same best match
    const bestName = await best.locator('h2, h3').first().textContent();
    await page.reload();
    await page.getByTestId('best-match').locator('img').first().waitFor();
    expect(await page.getByTestId('best-match').locator('h2, h3').first().textContent()).toBe(bestName);
    await page.close();
  });

  it('says so in words when the query is refused', async () => {
    const page = await browser.newPage();
    await page.goto(`${site.url}/?q=${'x'.repeat(600)}`);
    await expect.poll(() => page.getByTestId('status').textContent()).toMatch(/\w+/);
    expect(await page.getByTestId('best-match').count()).toBe(0);
    await page.close();
  });
});
