import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { checkDataDir } from '#cli/check/run-check.ts';
import { runGc } from '#cli/gc/run-gc.ts';
import { ingestCatalogFile } from '#cli/run-ingest.ts';
import { type Config, loadConfig } from '#core/config.ts';
import { createLocalRuntime } from '#local/runtime.ts';
import { type ResolvedModels, resolveModels } from '#models/resolve.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';

// Months of weekly re-ingestion, compressed: the same shop ingested 10 times; before each run a tenth of its
// images are replaced (same URL, new picture), and some products leave the catalog while new ones arrive.
// After `gc --apply` the data dir must be no bigger than 1.3x a clean ingestion of the final catalog.

const PRODUCTS = 20;
const IMAGES_PER_PRODUCT = 2;
const RUNS = 10;
const TURNOVER = 2; // products removed and added per run
const BOUND = 1.3;

const newDir = tempDirs('gc-months');
/** Image n's current version: a replaced image is another picture at the same URL. */
const versions = new Map<number, number>();
let host: http.Server;
let hostUrl: string;

async function picture(n: number, version: number): Promise<Buffer> {
  const width = 96;
  const height = 72;
  const pixels = Buffer.alloc(width * height * 3);
  const seed = n * 7 + version * 131;
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919 + seed * 104729 + ((i * seed) % 97)) % 251;
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg()
    .toBuffer();
}

beforeAll(async () => {
  host = http.createServer(async (req, res) => {
    const n = Number(/^\/img\/(\d+)\.jpg$/.exec(req.url ?? '')?.[1] ?? -1);
    if (n < 0) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end(await picture(n, versions.get(n) ?? 0));
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => host.close(() => resolve())));

/** Product p's catalog row: its images are /img/<p * IMAGES_PER_PRODUCT + i>.jpg. */
function catalogText(products: number[]): string {
  const rows = products.flatMap((p) =>
    Array.from(
      { length: IMAGES_PER_PRODUCT },
      (_, i) => `p${p},${hostUrl}/img/${p * IMAGES_PER_PRODUCT + i}.jpg,tops`,
    ),
  );
  return `product_id,image_url,category\n${rows.join('\n')}\n`;
}

async function ingest(config: Config, models: ResolvedModels, file: string): Promise<void> {
  const rt = await createLocalRuntime(config, models, { allowAddresses: ['127.0.0.1'] });
  try {
    const report = await ingestCatalogFile(rt, { file, prune: true, log: () => {}, progressStream: quiet });
    expect(report.summary.batchesFailed).toEqual([]);
  } finally {
    await rt.close();
  }
}

const quiet = new Writable({ write: (_chunk, _encoding, done) => done() }) as unknown as NodeJS.WriteStream;

/** The index log's size and its live bytes (its size once compacted). */
async function logSizes(indexDir: string): Promise<{ bytes: number; live: number }> {
  const store = await FileVectorStore.open(indexDir, { readOnly: true });
  const live = store.compactedBytes();
  await store.close();
  return { bytes: (await stat(path.join(indexDir, 'vectors.log'))).size, live };
}

/** Bytes of everything in the data dir but the stand-in models. */
async function dataBytes(dataDir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dataDir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && !path.relative(dataDir, file).startsWith('models'))
      total += (await stat(file)).size;
  }
  return total;
}

async function setup(dataDir: string) {
  const config = loadConfig({ THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: dataDir });
  return { config, models: await resolveModels(config) };
}

describe('ten re-ingestions of a changing catalog, then gc --apply', () => {
  it('leaves at most 1.3x the bytes of one clean ingestion, a compact index and exactly the final products', async () => {
    // Prepare
    const dataDir = await newDir();
    const { config, models } = await setup(dataDir);
    const catalog = path.join(dataDir, 'shop.csv');
    const indexDir = path.join(dataDir, 'index', models.embed.id);
    let products = Array.from({ length: PRODUCTS }, (_, p) => p);
    let next = PRODUCTS;
    for (let run = 0; run < RUNS; run++) {
      if (run > 0) {
        const images = products.flatMap((p) =>
          Array.from({ length: IMAGES_PER_PRODUCT }, (_, i) => p * IMAGES_PER_PRODUCT + i),
        );
        for (let k = 0; k < images.length / 10; k++) {
          const n = images[(run * 7 + k * 11) % images.length] as number;
          versions.set(n, (versions.get(n) ?? 0) + 1);
        }
        products = [...products.slice(TURNOVER), ...Array.from({ length: TURNOVER }, () => next++)];
      }
      await writeFile(catalog, catalogText(products));
      await ingest(config, models, catalog);
      const log = await logSizes(indexDir);
      // The store's own compaction: once the log is 1 MiB or more, it never stays over twice its live records.
      expect(log.bytes).toBeLessThanOrEqual(Math.max(1 << 20, 2 * log.live));
    }
    const before = await dataBytes(dataDir);
    const logBefore = (await stat(path.join(indexDir, 'vectors.log'))).size;
    // Act
    const report = await runGc(dataDir, { apply: true, runMaxAgeMs: 0 });
    // Assess
    const after = await dataBytes(dataDir);
    const cleanDir = await newDir();
    const clean = await setup(cleanDir);
    await writeFile(path.join(cleanDir, 'shop.csv'), await readFile(catalog));
    await ingest(clean.config, clean.models, path.join(cleanDir, 'shop.csv'));
    const cleanBytes = await dataBytes(cleanDir);
    const log = await logSizes(indexDir);
    console.log(
      `re-ingestion x${RUNS}: ${before} bytes before gc, ${after} after (clean ingestion: ${cleanBytes}, ratio ${(after / cleanBytes).toFixed(2)}); ` +
        `gc deleted ${report.deleted?.blobs} blobs in ${report.elapsedMs.toFixed(0)} ms; index logs ${report.indexes[0]?.bytes} -> ${report.indexes[0]?.compactedBytes} bytes (vectors.log ${logBefore} -> ${log.live})`,
    );
    expect(after).toBeLessThanOrEqual(BOUND * cleanBytes);
    expect(before).toBeGreaterThan(after);
    expect(log.bytes).toBe(log.live);
    const store = await FileVectorStore.open(indexDir, { readOnly: true });
    const both = await store.logSizes(); // the product log and the image-vector log
    expect(both.bytes).toBe(both.compactedBytes);
    const wanted = products.map((p) => `p${p}`).sort();
    const ids: string[] = [];
    for await (const id of store.listIds()) ids.push(id);
    expect(ids.sort()).toEqual(wanted);
    const rt = await createLocalRuntime(config, models, { readOnly: true });
    const [query] = await (await rt.textEmbedder()).embedTexts(['a red striped shirt']);
    const hits = await store.search(query as Float32Array, { k: 50 });
    await rt.close();
    expect(hits.map((h) => h.record.id).sort()).toEqual(wanted);
    expect((await checkDataDir(dataDir, { id: models.embed.id, dim: models.embed.dim })).findings).toEqual(
      [],
    );
    await store.close();
  }, 300_000);
});
