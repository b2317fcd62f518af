// npx tsx bench/check.ts [products]: check on a synthetic data dir at catalog scale (default 47k products, 3
// images each, an original and a mask per image, their URL records, a 768-dim index with per-image vectors,
// ten runs). The images are small real ones (64x48), so every blob decodes; the time of a full decode of a
// photo-sized original and mask is measured apart and carried over to the data dir.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { BlobChecker } from '#cli/check/blob-decodes.ts';
import { formatCheckReport } from '#cli/check/report-text.ts';
import { checkDataDir } from '#cli/check/run-check.ts';
import { mapLimit } from '#core/concurrency.ts';
import { normalize } from '#core/vectors.ts';
import { urlRecordKey } from '#functions/download/url-record.ts';

const PRODUCTS = Number(process.argv[2] ?? 47_000);
const IMAGES = 3;
const DIM = 768;
const MODEL = { id: 'bench-model', dim: DIM };
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const url = (p: number, i: number) => `https://shop.example/img/${p}-${i}.jpg`;

/** A noisy RGB image of `width` x `height` in `format` (noise so the encoder cannot shrink it to nothing). */
function drawn(width: number, height: number, format: 'jpeg' | 'png', channels: 1 | 3 = 3): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919 + (i >> 7) * 31) % 251;
  return sharp(pixels, { raw: { width, height, channels } }).toFormat(format).toBuffer();
}

async function put(blobsDir: string, key: string, data: Buffer | string): Promise<void> {
  const file = path.join(blobsDir, ...key.split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, data);
}

function record(p: number) {
  const vector = normalize(Array.from({ length: DIM }, (_, d) => Math.sin(p * 31 + d)));
  const images = Array.from({ length: IMAGES }, (_, i) => url(p, i));
  const maskedKeys = images.map((_, i) => `masked/seg/mask/${sha(`${p}-${i}`)}.png`);
  return { id: `p${p}`, vector, images, maskedKeys, metadata: { name: `product ${p}` }, imagesUsed: IMAGES };
}

async function build(dataDir: string): Promise<void> {
  const t0 = performance.now();
  const blobsDir = path.join(dataDir, 'blobs');
  const original = await drawn(64, 48, 'jpeg');
  const mask = await drawn(64, 48, 'png', 1);
  const store = await FileVectorStore.open(path.join(dataDir, 'index', MODEL.id));
  await store.bind({ model: MODEL.id, dim: DIM });
  const ids = Array.from({ length: PRODUCTS }, (_, p) => p);
  const settings = { embedModel: MODEL.id, segment: true, segmentModel: 'seg', imageFit: 'pad' as const };
  for (let at = 0; at < PRODUCTS; at += 1000) {
    const chunk = ids.slice(at, at + 1000);
    await store.upsert(chunk.map(record));
    await store.putImageVectors(
      chunk.map((p) => ({
        id: `p${p}`,
        settings,
        images: Array.from({ length: IMAGES }, (_, i) => ({ index: i, vector: record(p + i).vector })),
      })),
    );
  }
  await store.close();
  await mapLimit(ids, 32, async (p) => {
    for (let i = 0; i < IMAGES; i++) {
      const h = sha(`${p}-${i}`);
      const originalKey = `originals/${h}.jpg`;
      await put(blobsDir, originalKey, original);
      await put(blobsDir, `masked/seg/mask/${h}.png`, mask);
      await put(blobsDir, urlRecordKey(url(p, i)), JSON.stringify({ url: url(p, i), originalKey }));
    }
  });
  for (let run = 0; run < 10; run++) {
    await put(blobsDir, `runs/run-${run}/items.json`, '[]');
    await put(blobsDir, `runs/run-${run}/products.json`, '{"ids":[]}');
    await put(blobsDir, `runs/run-${run}/summary.json`, `{"runId":"run-${run}"}`);
  }
  console.log(
    `built ${PRODUCTS} products, ${PRODUCTS * IMAGES} images (original, mask, URL record each) in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}

/** Milliseconds of one full decode (as check makes it) of a photo-sized original and of its mask. */
async function photoDecodeMs(): Promise<{ original: number; mask: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'threadfinder-check-decode-'));
  try {
    const blobs = new FsBlobStore(dir);
    await blobs.put('originals/photo.jpg', await drawn(1000, 1333, 'jpeg'));
    await blobs.put('masked/seg/mask/photo.png', await drawn(1000, 1333, 'png', 1));
    const time = async (key: string) => {
      const n = 20;
      const t = performance.now();
      for (let i = 0; i < n; i++) await new BlobChecker(blobs).check(key);
      return (performance.now() - t) / n;
    };
    return { original: await time('originals/photo.jpg'), mask: await time('masked/seg/mask/photo.png') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'threadfinder-check-bench-'));
try {
  await build(dataDir);
  const heap = process.memoryUsage().heapUsed;
  const report = await checkDataDir(dataDir, MODEL);
  console.log(formatCheckReport(report));
  console.log(
    `check: ${(report.elapsedMs / 1000).toFixed(1)} s for ${report.checked.products} products and ${report.checked.imageBlobs} image blobs (64x48), heap +${((process.memoryUsage().heapUsed - heap) / 1e6).toFixed(0)} MB`,
  );
  const photo = await photoDecodeMs();
  const decodes = (report.checked.imageBlobs ?? 0) / 2;
  console.log(
    `a 1000x1333 JPEG original decodes in ${photo.original.toFixed(1)} ms, its mask (PNG) in ${photo.mask.toFixed(1)} ms: with photo-sized images the decodes alone would add about ${((decodes * (photo.original + photo.mask)) / 60_000).toFixed(0)} min at one decode at a time`,
  );
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
