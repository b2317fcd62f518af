import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { ingestCatalogFile } from '#cli/run-ingest.ts';
import { loadConfig } from '#core/config.ts';
import { createLocalRuntime, type LocalRuntime } from '#local/runtime.ts';
import { serveSearch } from '#local/serve-search.ts';
import { resolveModels } from '#models/resolve.ts';
import { generateSampleCatalog } from '#samples/generator/catalog.ts';
import { writeSampleCatalogFile } from '#samples/generator/catalog-file.ts';
import { garmentSvg } from '#samples/generator/draw.ts';
import { type SampleServer, startSampleServer } from '#samples/generator/image-server.ts';
import type { SampleProduct } from '#samples/generator/plan.ts';
import { launchChromium } from '#test/support/browser.ts';

/** Products in the browser tests' catalog: enough for a best match and 5 distinct alternatives per category. */
export const SAMPLE_PRODUCTS = 14;

/** The real server over an ingested sample catalog (test models), a Chromium, and the sample image server. */
export interface Site {
  url: string;
  browser: Browser;
  products: SampleProduct[];
  /** Serves `bytes` from the loopback sample server (an address the API may fetch) and returns its URL. */
  servePicture(name: string, bytes: Uint8Array): Promise<string>;
  close(): Promise<void>;
}

/** What a test file's Site ingests. */
export interface SiteOptions {
  /**
   * A catalog of bare image URLs (`product_id,image_url` only: no name, category, colour or price column), as
   * most real catalogs come, so the page's filters are the auto-tags.
   */
  bare?: boolean;
}

/** Starts one Site for a test file: draws and ingests the sample catalog, serves it, launches Chromium. */
export async function startSite(options: SiteOptions = {}): Promise<Site> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tf-browser-'));
  const sampleDir = path.join(dataDir, 'sample');
  const closers: (() => Promise<unknown>)[] = [() => rm(dataDir, { recursive: true, force: true })];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer().catch(() => {});
  };
  try {
    const sample = await generateSampleCatalog(sampleDir, { products: SAMPLE_PRODUCTS });
    const images = await startSampleServer({ dir: sampleDir });
    closers.push(() => images.close());
    const file = options.bare
      ? await writeBareCatalog(sample.products, images.url, path.join(sampleDir, 'catalog.csv'))
      : await writeSampleCatalogFile(sample.products, images.url, path.join(sampleDir, 'catalog.csv'));
    const config = loadConfig({ THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: dataDir });
    const rt: LocalRuntime = await createLocalRuntime(config, await resolveModels(config), {
      allowAddresses: ['127.0.0.1'],
    });
    closers.push(() => rt.close());
    const quiet = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    await ingestCatalogFile(rt, { file, log: () => {}, progressStream: quiet });
    const server = await serveSearch(rt, { port: 0, imageUrlAllowAddresses: ['127.0.0.1'] });
    closers.push(() => server.close());
    const browser = await launchChromium();
    closers.push(() => browser.close());
    return {
      url: server.url,
      browser,
      products: sample.products,
      servePicture: (name, bytes) => servePicture(images, sampleDir, name, bytes),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The sample catalog with no metadata columns at all: one `product_id,image_url` row per image. */
async function writeBareCatalog(products: SampleProduct[], baseUrl: string, file: string): Promise<string> {
  const rows = products.flatMap((p) =>
    p.images.map((image) => `${p.id},${baseUrl}/images/${encodeURIComponent(image.file)}`),
  );
  await writeFile(file, `${['product_id,image_url', ...rows].join('\n')}\n`);
  return file;
}

async function servePicture(images: SampleServer, sampleDir: string, name: string, bytes: Uint8Array) {
  await mkdir(path.join(sampleDir, 'images'), { recursive: true });
  await writeFile(path.join(sampleDir, 'images', name), bytes);
  return `${images.url}/images/${name}`;
}

/** A garment drawn as SVG and rendered to PNG with sharp: the kind of photo a shopper uploads. */
export function drawnGarmentPng(): Promise<Buffer> {
  const svg = garmentSvg({
    type: 'shirt',
    color: 'red',
    pattern: 'stripes',
    seed: 77,
    width: 320,
    height: 400,
  });
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Collects uncaught page errors and failed same-origin requests, which no test should leave behind. */
export function watchPage(page: Page): { errors: string[] } {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  return { errors };
}

/** True once every visible image inside `selector` has loaded and decoded with real pixels. */
export function imagesLoaded(page: Page, selector: string): Promise<boolean> {
  return page.evaluate(async (sel) => {
    const imgs = Array.from(document.querySelectorAll<HTMLImageElement>(`${sel} img`)).filter(
      (i) => i.checkVisibility?.() ?? true,
    );
    const decoded = await Promise.all(
      imgs.map((i) =>
        i.decode().then(
          () => true,
          () => false,
        ),
      ),
    );
    return imgs.length > 0 && decoded.every(Boolean) && imgs.every((i) => i.naturalWidth > 0);
  }, selector);
}

/** Ids of the focused product and the alternatives as the page shows them. */
export async function shownIds(page: Page): Promise<{ best: string | null; alternatives: string[] }> {
  return {
    best: await page.getByTestId('best-match').getAttribute('data-product-id'),
    alternatives: await page
      .getByTestId('alternative')
      .evaluateAll((links) => links.map((l) => l.getAttribute('data-product-id') ?? '')),
  };
}

/** Waits until the page shows a best match and `count` alternatives (after any search in flight). */
export async function waitForResults(page: Page, count = 5): Promise<void> {
  await page.waitForFunction(
    (n) =>
      document.getElementById('results')?.getAttribute('aria-busy') !== 'true' &&
      document.querySelector('[data-testid="best-match"]') !== null &&
      document.querySelectorAll('[data-testid="alternative"]').length === n,
    count,
  );
}

/** Writes a full-page screenshot to test-artifacts/ (not committed). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.resolve(import.meta.dirname, '../../test-artifacts');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
