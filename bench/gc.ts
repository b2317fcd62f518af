// npx tsx bench/gc.ts [products]: gc on a synthetic data dir at catalog scale (default 47k products, 3 images
// each, a 768-dim index with per-image vectors): the dry run and --apply, after a tenth of the images were
// replaced, 2% of the products removed and ten old runs left behind.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { formatBytes, formatGcReport } from '#cli/gc/report-text.ts';
import { runGc } from '#cli/gc/run-gc.ts';
import { mapLimit } from '#core/concurrency.ts';
import { normalize } from '#core/vectors.ts';
import { urlRecordKey } from '#functions/download/url-record.ts';

const PRODUCTS = Number(process.argv[2] ?? 47_000);
const IMAGES = 3;
const DIM = 768;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const url = (p: number, i: number) => `https://shop.example/img/${p}-${i}.jpg`;
const filler = Buffer.alloc(2048, 7);

async function put(blobsDir: string, key: string, data: Buffer | string): Promise<void> {
  const file = path.join(blobsDir, ...key.split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, data);
}

/** One image version's blobs: original, mask and the URL's record pointing to the original. */
function imageBlobs(p: number, i: number, version: number): [string, Buffer | string][] {
  const h = sha(`${p}-${i}-v${version}`);
  const originalKey = `originals/${h}.jpg`;
  const record = { url: url(p, i), originalKey, fetchedAt: new Date().toISOString() };
  return [
    [originalKey, filler],
    [`masked/seg/00b140/${h}.png`, filler],
    [urlRecordKey(url(p, i)), JSON.stringify(record)],
  ];
}

function record(p: number, version: number) {
  const vector = normalize(Array.from({ length: DIM }, (_, d) => Math.sin(p * 31 + d + version)));
  const images = Array.from({ length: IMAGES }, (_, i) => url(p, i));
  const maskedKeys = images.map((_, i) => `masked/seg/00b140/${sha(`${p}-${i}-v${version}`)}.png`);
  return {
    id: `p${p}`,
    vector,
    images,
    maskedKeys,
    metadata: { name: `product ${p}`, price: p % 200 },
    imagesUsed: IMAGES,
  };
}

async function build(dataDir: string): Promise<void> {
  const blobsDir = path.join(dataDir, 'blobs');
  const removed = Math.floor(PRODUCTS * 0.02);
  const all = PRODUCTS + removed;
  const t0 = performance.now();
  const store = await FileVectorStore.open(path.join(dataDir, 'index', 'bench-model'), {
    compactMinBytes: Number.MAX_SAFE_INTEGER,
  });
  await store.bind({ model: 'bench-model', dim: DIM });
  const ids = Array.from({ length: all }, (_, p) => p);
  for (let at = 0; at < all; at += 1000)
    await store.upsert(ids.slice(at, at + 1000).map((p) => record(p, 0)));
  const changed = ids.filter((p) => p % 10 === 3 && p < PRODUCTS);
  const isChanged = new Set(changed);
  for (let at = 0; at < changed.length; at += 1000)
    await store.upsert(changed.slice(at, at + 1000).map((p) => record(p, 1)));
  const settings = {
    embedModel: 'bench-model',
    segment: true,
    segmentModel: 'seg',
    imageFit: 'pad' as const,
  };
  const imageVectors = (p: number, version: number) => ({
    id: `p${p}`,
    settings,
    images: record(p, version).maskedKeys.map((_, i) => ({
      index: i,
      vector: record(p + i, version).vector,
    })),
  });
  for (let at = 0; at < all; at += 1000)
    await store.putImageVectors(ids.slice(at, at + 1000).map((p) => imageVectors(p, 0)));
  for (let at = 0; at < changed.length; at += 1000)
    await store.putImageVectors(changed.slice(at, at + 1000).map((p) => imageVectors(p, 1)));
  await store.delete(ids.slice(PRODUCTS).map((p) => `p${p}`));
  await store.close();
  await mapLimit(ids, 32, async (p) => {
    const blobs = [...Array.from({ length: IMAGES }, (_, i) => imageBlobs(p, i, 0)).flat()];
    if (isChanged.has(p)) blobs.push(...Array.from({ length: IMAGES }, (_, i) => imageBlobs(p, i, 1)).flat());
    for (const [key, data] of blobs) await put(blobsDir, key, data);
  });
  const old = new Date(Date.now() - 60 * 24 * 3600 * 1000);
  for (let run = 0; run < 10; run++) {
    for (const f of ['items.json', 'products.json', 'summary.json', 'embedded/b1.json']) {
      const key = `runs/run-${run}/${f}`;
      await put(blobsDir, key, Buffer.alloc(64 * 1024, 1));
      if (run < 9) await utimes(path.join(blobsDir, key), old, old);
    }
  }
  console.log(
    `built ${PRODUCTS} products (+${removed} removed, ${changed.length} changed) in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'threadfinder-gc-bench-'));
try {
  await build(dataDir);
  const dry = await runGc(dataDir, { apply: false });
  console.log(
    `gc dry run: ${(dry.elapsedMs / 1000).toFixed(1)} s, would free ${formatBytes(dry.garbage.bytes)} in ${dry.garbage.blobs} blobs of ${Object.values(dry.plan.byKind).reduce((n, k) => n + k.garbage.blobs + k.kept.blobs, 0)}`,
  );
  const applied = await runGc(dataDir, { apply: true });
  const log = applied.indexes[0];
  console.log(
    `gc --apply: ${(applied.elapsedMs / 1000).toFixed(1)} s, deleted ${applied.deleted?.blobs} blobs (${formatBytes(applied.deleted?.bytes ?? 0)}), index log ${formatBytes(log?.bytes ?? 0)} -> ${formatBytes(log?.compactedBytes ?? 0)}`,
  );
  console.log(formatGcReport(applied));
  const again = await runGc(dataDir, { apply: false });
  console.log(
    `gc dry run again: ${(again.elapsedMs / 1000).toFixed(1)} s, ${again.garbage.blobs} blobs left to free`,
  );
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
