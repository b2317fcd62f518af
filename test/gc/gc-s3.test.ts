import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '#adapters/s3-blob-store.ts';
import { collectGarbage } from '#cli/gc/collect.ts';
import { S3BlobInventory } from '#cli/gc/s3-inventory.ts';
import { mapLimit } from '#core/concurrency.ts';
import { normalize } from '#core/vectors.ts';
import { urlRecordKey } from '#functions/download/url-record.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';
import { type S3TestServer, startS3Server } from '#test/support/s3-server.ts';

// gc's core over the cloud's ports: S3 (s3rver on loopback) for the blobs, a VectorStore for the index.

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.close();
});

const hash = (n: number) => n.toString(16).padStart(64, '0');
const bytes = (text: string) => new TextEncoder().encode(text);
const GARBAGE_RECORDS = 23;
const PAGE = 10; // several ListObjectsV2 pages and DeleteObjects batches

async function bucketWithGarbage() {
  const bucket = await s3.createBucket();
  const blobs = new S3BlobStore({ bucket, prefix: 'tf', client: s3.client });
  const store = new MemoryVectorStore();
  await store.bind({ model: 'm', dim: 2 });
  const kept: string[] = [];
  for (let p = 0; p < 3; p++) {
    const url = `https://shop.example/${p}.jpg`;
    const originalKey = `originals/${hash(p)}.jpg`;
    const maskedKey = `masked/seg/00b140/${hash(p)}.png`;
    await blobs.put(originalKey, bytes(`original ${p}`));
    await blobs.put(maskedKey, bytes(`mask ${p}`));
    await blobs.put(urlRecordKey(url), bytes(JSON.stringify({ url, originalKey })));
    await store.upsert([
      {
        id: `p${p}`,
        vector: normalize([1, p]),
        images: [url],
        maskedKeys: [maskedKey],
        metadata: {},
        imagesUsed: 1,
      },
    ]);
    kept.push(originalKey, maskedKey, urlRecordKey(url));
  }
  await blobs.put('catalogs/catalog.csv', bytes('product_id,image_url\n'));
  await blobs.put(`originals/${hash(9)}.jpg`, bytes('replaced'));
  await blobs.put(`masked/seg/00b140/${hash(9)}.png`, bytes('replaced mask'));
  const records = Array.from({ length: GARBAGE_RECORDS }, (_, i) =>
    urlRecordKey(`https://shop.example/gone/${i}`),
  );
  await mapLimit(records, 32, (key) => blobs.put(key, bytes('{}')));
  return { bucket, blobs, store, kept: [...kept, 'catalogs/catalog.csv'].sort() };
}

describe('gc over S3 (s3rver)', () => {
  it('lists what would go, then deletes it in DeleteObjects batches, keeping everything referenced', async () => {
    // Prepare
    const { bucket, blobs, store, kept } = await bucketWithGarbage();
    const ports = {
      stores: [store],
      blobs,
      inventory: new S3BlobInventory({ bucket, prefix: 'tf', client: s3.client, pageSize: PAGE }),
      writer: async () => undefined,
    };
    // Act
    const dry = await collectGarbage(ports, { apply: false });
    const applied = await collectGarbage(ports, { apply: true });
    // Assess
    expect(dry.garbage.blobs).toBe(GARBAGE_RECORDS + 2);
    expect(dry.plan.byKind.urls.kept.blobs).toBe(3);
    expect(applied.deleted?.blobs).toBe(GARBAGE_RECORDS + 2);
    expect(await blobs.list('')).toEqual(kept);
  }, 60_000);

  it('spares an object written again after it was listed, and stops when an ingestion starts', async () => {
    // Prepare
    const { bucket, blobs } = await bucketWithGarbage();
    const inventory = new S3BlobInventory({ bucket, prefix: 'tf', client: s3.client, pageSize: PAGE });
    const listed = (await inventory.list('originals/')).filter((e) => e.key.includes(hash(9)));
    await blobs.put(`originals/${hash(9)}.jpg`, bytes('downloaded again meanwhile'));
    const store = new MemoryVectorStore();
    // Act
    const removed = await inventory.remove(listed);
    const stopped = await collectGarbage(
      {
        stores: [store],
        blobs,
        inventory,
        writer: async () => 'an ingestion of catalogs/catalog.csv holds its lock',
      },
      { apply: true },
    );
    // Assess
    expect(removed.changed.map((e) => e.key)).toEqual([`originals/${hash(9)}.jpg`]);
    expect(await blobs.has(`originals/${hash(9)}.jpg`)).toBe(true);
    expect(stopped.stoppedEarly).toMatch(/holds its lock/);
    expect(stopped.deleted?.blobs).toBe(0);
  }, 60_000);
});
