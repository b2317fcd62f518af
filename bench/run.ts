// npm run bench: ingestion time for the sample catalog with the stand-in models, search latency over HTTP
// (median of 100 queries), exact search in the embedded store at catalog scale (47k products), what an ingestion
// costs outside the models (stand-ins, and random-weight graphs of the real models' size), and a closing block of
// ratios measured side by side in this one run.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { measureIngestCost } from '#bench/ingest-cost/measure.ts';
import { realSizeOverheadLine } from '#bench/real-size.ts';
import { ingestCatalogFile } from '#cli/run-ingest.ts';
import { startSampleSource } from '#cli/sample-source.ts';
import { parseCatalog } from '#core/catalog/index.ts';
import { loadConfig } from '#core/config.ts';
import { Random } from '#core/random.ts';
import { normalize } from '#core/vectors.ts';
import { synthesizeIngestDefinition } from '#local/ingest-definition.ts';
import { createLocalRuntime } from '#local/runtime.ts';
import { serveSearch } from '#local/serve-search.ts';
import { resolveModels } from '#models/resolve.ts';

const QUERIES = ['red striped shirt', 'blue dress', 'black trousers', 'green checked skirt', 'yellow jacket'];
const quiet = () => Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return `median ${at(0.5).toFixed(2)} ms, p95 ${at(0.95).toFixed(2)} ms, max ${at(1).toFixed(2)} ms (n=${s.length})`;
}

async function benchPipeline(dataDir: string) {
  const t0 = performance.now();
  const sample = await startSampleSource(dataDir);
  const drawn = performance.now() - t0;
  const config = loadConfig({ ...process.env, THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: dataDir });
  const rt = await createLocalRuntime(config, await resolveModels(config), {
    allowAddresses: [sample.address],
  });
  const cold = await ingestCatalogFile(rt, {
    file: sample.catalogFile,
    log: () => {},
    progressStream: quiet(),
  });
  const warm = await ingestCatalogFile(rt, {
    file: sample.catalogFile,
    log: () => {},
    progressStream: quiet(),
  });
  console.log(`sample catalog drawn in ${(drawn / 1000).toFixed(1)} s`);
  console.log(
    `ingest (stand-in models, ${cold.summary.productsStored} products, ${cold.summary.images.ok} images ok): ` +
      `cold ${cold.seconds.toFixed(1)} s, re-ingest ${warm.seconds.toFixed(1)} s`,
  );
  const server = await serveSearch(rt, { port: 0 });
  const times: number[] = [];
  for (let i = 0; i < 110; i++) {
    const q = encodeURIComponent(`${QUERIES[i % QUERIES.length]} ${i}`);
    const t = performance.now();
    const res = await fetch(`${server.url}/api/search?q=${q}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`search returned ${res.status}`);
    if (i >= 10) times.push(performance.now() - t);
  }
  console.log(`search over HTTP, 30 products (text encoder + store + JSON): ${stats(times)}`);
  const photo = await readFile(path.join(dataDir, 'sample', 'images', 's001-front.jpg'));
  const photoTimes: number[] = [];
  for (let i = 0; i < 22; i++) {
    const t = performance.now();
    const res = await fetch(`${server.url}/api/search`, {
      method: 'POST',
      body: photo,
      headers: { 'content-type': 'image/jpeg' },
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`photo search returned ${res.status}`);
    if (i >= 2) photoTimes.push(performance.now() - t);
  }
  console.log(
    `photo search over HTTP (decode, segment at 768, embed, store; stand-in models): ${stats(photoTimes)}`,
  );
  await server.close();
  await rt.close();
  await sample.server.close();
}

async function benchStore(dir: string, products: number, dim: number) {
  // mulberry32 Gaussians (core/random.ts): the old 31-bit LCG repeated, which made synthetic vectors alike.
  const random = new Random(42);
  const vec = () => normalize(Float32Array.from(random.gaussians(dim)));
  const store = await FileVectorStore.open(dir);
  await store.bind({ model: 'bench', dim });
  const t0 = performance.now();
  for (let i = 0; i < products; i += 500) {
    const chunk = Array.from({ length: Math.min(500, products - i) }, (_, j) => ({
      id: `p${i + j}`,
      vector: vec(),
      images: [`https://cdn.example.com/${i + j}/1.jpg`, `https://cdn.example.com/${i + j}/2.jpg`],
      metadata: { category: ['tops', 'bottoms', 'dresses'][(i + j) % 3] as string, price: (i + j) % 200 },
      imagesUsed: 2,
    }));
    await store.upsert(chunk);
  }
  const upsert = performance.now() - t0;
  await store.close();
  const t1 = performance.now();
  const reopened = await FileVectorStore.open(dir);
  const open = performance.now() - t1;
  // The same store and queries, scored by the JavaScript scan alone: the reference the native search must beat.
  const scanOnly = await FileVectorStore.open(dir, { readOnly: true, nativeSearch: false });
  const times: number[] = [];
  const filtered: number[] = [];
  const scanTimes: number[] = [];
  const scanFiltered: number[] = [];
  let differ = 0;
  for (let i = 0; i < 100; i++) {
    const q = vec();
    let t = performance.now();
    const hits = await reopened.search(q, { k: 6 });
    times.push(performance.now() - t);
    t = performance.now();
    await reopened.search(q, { k: 6, filter: { category: 'tops', priceMax: 100 } });
    filtered.push(performance.now() - t);
    t = performance.now();
    const reference = await scanOnly.search(q, { k: 6 });
    scanTimes.push(performance.now() - t);
    t = performance.now();
    await scanOnly.search(q, { k: 6, filter: { category: 'tops', priceMax: 100 } });
    scanFiltered.push(performance.now() - t);
    if (hits.map((h) => h.record.id).join() !== reference.map((h) => h.record.id).join()) differ++;
  }
  await reopened.close();
  await scanOnly.close();
  console.log(
    `embedded store, ${products} products x ${dim} dims: upsert ${(upsert / 1000).toFixed(1)} s, reopen ${(open / 1000).toFixed(2)} s`,
  );
  const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)] as number;
  console.log(`  exact search k=6, native preselection: ${stats(times)}`);
  console.log(`  exact search k=6, JavaScript scan:     ${stats(scanTimes)}`);
  console.log(
    `    ratio native / scan: ${(median(times) / median(scanTimes)).toFixed(2)}; answers that differ: ${differ} of 100`,
  );
  console.log(`  with filter category+price, native:    ${stats(filtered)}`);
  console.log(`  with filter category+price, scan:      ${stats(scanFiltered)}`);
  ratios.push(
    `embedded store ${products} x ${dim}, exact search / JavaScript brute-force scan (medians): ` +
      `${(median(times) / median(scanTimes)).toFixed(2)} unfiltered (${median(times).toFixed(1)} vs ${median(scanTimes).toFixed(1)} ms), ` +
      `${(median(filtered) / median(scanFiltered)).toFixed(2)} filtered (${median(filtered).toFixed(1)} vs ${median(scanFiltered).toFixed(1)} ms); ` +
      `answers that differ ${differ} of 100`,
  );
}

async function benchIngestCost() {
  const cost = await measureIngestCost({ products: 20 });
  for (const line of cost.lines) console.log(line);
  const { outsidePerImage: outside, modelCpuPerImage: models } = cost;
  const split =
    outside !== undefined && models !== undefined
      ? `${(outside / models).toFixed(2)} (${outside.toFixed(0)} vs ${models.toFixed(0)} ms per image; `
      : `not split on this platform (${cost.cpuPerImage.toFixed(0)} ms per image in all; `;
  ratios.push(
    `ingest, stand-in models (1000x1333 JPEGs, segmentation at 768): CPU outside the models / the models' CPU ` +
      `${split}${(cost.images / cost.seconds).toFixed(1)} images/s)`,
  );
  ratios.push(
    `ingest, derived bytes / original bytes (masks and cached vectors): ${(cost.derivedBytes / cost.originalBytes).toFixed(2)}`,
  );
}

async function benchRealSize() {
  const line = await realSizeOverheadLine({ images: 3 });
  console.log(line);
  ratios.push(line);
}

function benchDefinition() {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    synthesizeIngestDefinition({ batchSize: 8 + i });
    times.push(performance.now() - t);
  }
  console.log(`state machine definition synthesized in-process (local runs): ${stats(times)}`);
}

function benchCatalogs() {
  const urls = Array.from({ length: 140_000 }, (_, i) => `https://cdn.example.com/p/${i >> 2}/${i}.jpg`);
  const csv = [
    'product_id,image_url,name,category,color,price',
    ...urls.map((u, i) => `p${Math.floor(i / 3)},${u},"Shirt, red",tops,red,19.99`),
  ];
  for (const [label, text] of [
    ['URL list, 140k lines', urls.join('\n')],
    ['product CSV, 140k rows', csv.join('\n')],
  ] as const) {
    const t = performance.now();
    const parsed = parseCatalog(text, { file: 'bench' });
    console.log(
      `parse ${label}: ${((performance.now() - t) / 1000).toFixed(2)} s (${parsed.products.length} products)`,
    );
  }
}

/** One line per ratio, printed together at the end. */
const ratios: string[] = [];
const root = await mkdtemp(path.join(os.tmpdir(), 'tf-bench-'));
console.log(
  `Threadfinder bench on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
);
try {
  benchCatalogs();
  benchDefinition();
  await benchPipeline(path.join(root, 'pipeline'));
  await benchStore(path.join(root, 'store-512'), 47_000, 512);
  await benchStore(path.join(root, 'store-768'), 47_000, 768);
  await benchIngestCost();
  await benchRealSize();
  console.log('\nratios, measured side by side in this run:');
  for (const line of ratios) console.log(`  ${line}`);
} finally {
  await rm(root, { recursive: true, force: true });
}
