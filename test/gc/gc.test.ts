import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { checkDataDir } from '#cli/check/run-check.ts';
import { GcRefusedError } from '#cli/gc/errors.ts';
import { FsBlobInventory } from '#cli/gc/fs-inventory.ts';
import { runGc } from '#cli/gc/run-gc.ts';
import { contentHashOf, embeddingKey } from '#core/contracts/run-layout.ts';
import { normalize } from '#core/vectors.ts';
import { urlRecordKey } from '#functions/download/url-record.ts';
import { blobPath, indexLog, MODEL, writeDataDir } from '#test/check/fixtures/data-dir.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';

const newDir = tempDirs('gc');
const DAY = 24 * 3600 * 1000;
const hash = (n: number) => n.toString(16).padStart(64, '0');

async function listTree(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true });
  return names
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

/**
 * The fixture's data dir plus garbage: an orphan original with its mask, URL record and cached vector, and an
 * old run; and a cached vector of a stored product's original, which stays.
 */
async function dataDirWithGarbage() {
  const dataDir = await newDir();
  const products = await writeDataDir(dataDir);
  const blobs = new FsBlobStore(path.join(dataDir, 'blobs'));
  const garbage = [
    `originals/${hash(1)}.jpg`,
    `masked/seg/00b140/${hash(1)}.png`,
    urlRecordKey('https://shop.example/gone.jpg'),
    embeddingKey(MODEL.id, hash(1), hash(11)),
    'runs/run-0/items.json',
    'runs/run-0/summary.json',
    'map-results/run-0/manifest.json',
  ];
  for (const key of garbage) await blobs.put(key, Buffer.from(`garbage ${key}`));
  await blobs.put('catalogs/local/abc/shop.csv', Buffer.from('product_id,image_url\n'));
  const used = contentHashOf(products[0]?.originalKey ?? '');
  await blobs.put(embeddingKey(MODEL.id, used, hash(12)), Buffer.alloc(16));
  await mkdir(blobPath(dataDir, 'runs/run-0/embedded'), { recursive: true }); // emptied by the aggregate step
  const old = new Date(Date.now() - 40 * DAY);
  for (const key of garbage.filter((k) => /^(runs|map-results)\//.test(k)))
    await utimes(blobPath(dataDir, key), old, old);
  return { dataDir, products, garbage };
}

describe('threadfinder gc', () => {
  it('spares what a stopped last run made (its re-run reuses it), unless told a grace of 0', async () => {
    // Prepare: after the fixture's finished run, a run that downloaded an image and was killed (no summary)
    const { dataDir, garbage } = await dataDirWithGarbage();
    const earlier = new Date(Date.now() - 2 * 3600 * 1000);
    await utimes(blobPath(dataDir, garbage[0] as string), earlier, earlier);
    const blobs = new FsBlobStore(path.join(dataDir, 'blobs'));
    await blobs.put('runs/run-9/items.json', Buffer.from('[]'));
    const fresh = `originals/${hash(9)}.jpg`;
    await blobs.put(fresh, Buffer.from('downloaded by the stopped run'));
    // Act
    const spared = await runGc(dataDir, { apply: true });
    const keptThen = await blobs.has(fresh);
    const told = await runGc(dataDir, { apply: true, graceMs: 0 });
    // Assess: the stopped run's image stays, old garbage goes; a grace of 0 takes it too
    expect(spared.graceMs).toBeGreaterThan(0);
    expect(keptThen).toBe(true);
    expect(await blobs.has(garbage[0] as string)).toBe(false);
    expect(told.graceMs).toBeUndefined();
    expect(await blobs.has(fresh)).toBe(false);
  });

  it('takes what a run stopped over a week ago made: that run was abandoned', async () => {
    // Prepare
    const { dataDir } = await dataDirWithGarbage();
    const blobs = new FsBlobStore(path.join(dataDir, 'blobs'));
    await blobs.put('runs/run-8/items.json', Buffer.from('[]'));
    const fresh = `originals/${hash(8)}.jpg`;
    await blobs.put(fresh, Buffer.from('downloaded by the abandoned run'));
    const old = new Date(Date.now() - 8 * DAY);
    for (const key of ['runs/run-8/items.json', fresh]) await utimes(blobPath(dataDir, key), old, old);
    // Act
    const report = await runGc(dataDir, { apply: true });
    // Assess
    expect(report.graceMs).toBeUndefined();
    expect(await blobs.has(fresh)).toBe(false);
  });

  it('dry run: reports what would go and the bytes, deleting nothing', async () => {
    // Prepare
    const { dataDir, garbage } = await dataDirWithGarbage();
    const before = await listTree(dataDir);
    // Act
    const report = await runGc(dataDir, { apply: false });
    // Assess
    expect(await listTree(dataDir)).toEqual(before);
    expect(report.garbage.blobs).toBe(garbage.length);
    expect(report.plan.byKind.originals).toEqual({
      garbage: { blobs: 1, bytes: expect.any(Number) },
      kept: { blobs: 4, bytes: expect.any(Number) },
    });
    expect(report.plan.byKind.urls.kept.blobs).toBe(4);
    expect(report.plan.byKind.embeddings).toEqual({
      garbage: { blobs: 1, bytes: expect.any(Number) },
      kept: { blobs: 1, bytes: 16 },
    });
    expect(report.plan.runsDeleted).toEqual(['run-0']);
    expect(report.plan.runsKept).toEqual(['run-1']);
    expect(report.deleted).toBeUndefined();
  });

  it('--apply deletes exactly the garbage; every referenced blob stays and check finds no damage', async () => {
    // Prepare
    const { dataDir, garbage, products } = await dataDirWithGarbage();
    const before = await listTree(dataDir);
    // Act
    const report = await runGc(dataDir, { apply: true });
    // Assess
    const gone = garbage.map((k) => path.join('blobs', k));
    expect(await listTree(dataDir)).toEqual(before.filter((f) => !gone.includes(f)));
    expect(report.deleted?.blobs).toBe(garbage.length);
    expect(await readdir(path.join(dataDir, 'blobs', 'runs'))).toEqual(['run-1']);
    expect(await readdir(path.join(dataDir, 'blobs', 'embeddings', MODEL.id))).toEqual([
      contentHashOf(products[0]?.originalKey ?? ''),
    ]);
    expect((await checkDataDir(dataDir, MODEL)).findings).toEqual([]);
  });

  it('keeps the newest finished run however old, and every run younger than the age', async () => {
    // Prepare
    const dataDir = await newDir();
    await writeDataDir(dataDir);
    const blobs = new FsBlobStore(path.join(dataDir, 'blobs'));
    await blobs.put('runs/run-2/items.json', Buffer.from('[]')); // unfinished, recent
    const old = new Date(Date.now() - 400 * DAY);
    for (const f of ['items.json', 'products.json', 'summary.json', 'embedded/b1.json'])
      await utimes(blobPath(dataDir, `runs/run-1/${f}`), old, old);
    // Act
    const report = await runGc(dataDir, { apply: true, runMaxAgeMs: 30 * DAY });
    // Assess
    expect(report.plan.runsDeleted).toEqual([]);
    expect(await readdir(path.join(dataDir, 'blobs', 'runs'))).toEqual(['run-1', 'run-2']);
  });

  it('refuses, deleting nothing, while an ingestion holds the index lock or its catalog lock', async () => {
    // Prepare
    const { dataDir } = await dataDirWithGarbage();
    const before = await listTree(dataDir);
    const writer = await FileVectorStore.open(path.dirname(indexLog(dataDir)));
    // Act
    const underIndexLock = runGc(dataDir, { apply: true });
    // Assess
    await expect(underIndexLock).rejects.toThrow(GcRefusedError);
    await expect(underIndexLock).rejects.toThrow(
      /a writer \(ingest, or start while it serves\) holds the index at .*check-model \(process \d+ since /,
    );
    await writer.close();
    // Prepare
    await mkdir(path.join(dataDir, 'locks'));
    // The holder: another live process on this machine.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const lock = {
      pk: 'catalog#shop',
      executionArn: 'run-9',
      expiresAt: 0,
      pid: holder.pid,
      host: os.hostname(),
    };
    await writeFile(path.join(dataDir, 'locks', 'abc.json'), JSON.stringify(lock));
    // Act
    const underCatalogLock = runGc(dataDir, { apply: true });
    // Assess
    await expect(underCatalogLock).rejects.toThrow(/an ingestion of catalog#shop holds its lock/);
    holder.kill();
    expect((await listTree(dataDir)).filter((f) => !f.startsWith('locks'))).toEqual(before);
  });

  it('goes ahead when the catalog lock was left by a process that is gone', async () => {
    // Prepare
    const { dataDir, garbage } = await dataDirWithGarbage();
    await mkdir(path.join(dataDir, 'locks'));
    const lock = {
      pk: 'catalog#shop',
      executionArn: 'run-9',
      expiresAt: 0,
      pid: 2 ** 22 + 7,
      host: os.hostname(),
    };
    await writeFile(path.join(dataDir, 'locks', 'abc.json'), JSON.stringify(lock));
    // Act
    const report = await runGc(dataDir, { apply: true });
    // Assess
    expect(report.deleted?.blobs).toBe(garbage.length);
  });

  it("keeps what another model's index references, and refuses while a new model's index is being written", async () => {
    // Prepare
    const { dataDir, garbage } = await dataDirWithGarbage();
    const other = await FileVectorStore.open(path.join(dataDir, 'index', 'other-model'));
    await other.bind({ model: 'other-model', dim: 2 });
    await other.upsert([
      {
        id: 'q1',
        vector: normalize([1, 1]),
        images: ['https://shop.example/gone.jpg'],
        maskedKeys: [garbage[1]],
        metadata: {},
        imagesUsed: 1,
      },
    ]);
    await other.close();
    await mkdir(path.join(dataDir, 'index', 'third-model'));
    await writeFile(
      path.join(dataDir, 'index', 'third-model', 'LOCK'),
      JSON.stringify({ pid: 1, since: 'now' }),
    );
    // Act
    const refused = runGc(dataDir, { apply: true });
    await expect(refused).rejects.toThrow(/holds the index at .*third-model \(process 1 since now\)/);
    await rm(path.join(dataDir, 'index', 'third-model'), { recursive: true });
    const report = await runGc(dataDir, { apply: true });
    // Assess
    expect(report.products).toBe(5);
    const blobs = new FsBlobStore(path.join(dataDir, 'blobs'));
    for (const key of garbage.slice(0, 3)) expect(await blobs.has(key)).toBe(true);
    expect(report.deleted?.blobs).toBe(3);
  });

  it('refuses while the index has damaged lines, whose products it cannot see', async () => {
    // Prepare
    const { dataDir } = await dataDirWithGarbage();
    const log = await readFile(indexLog(dataDir));
    const p1 = log.indexOf('"id":"p1"');
    log.write('##', p1 + 20, 'latin1');
    await writeFile(indexLog(dataDir), log);
    const before = await listTree(dataDir);
    // Act
    const gc = runGc(dataDir, { apply: true });
    // Assess
    await expect(gc).rejects.toThrow(/1 damaged line\(s\).*check --repair/);
    expect(await listTree(dataDir)).toEqual(before);
  });

  it('keeps the original a current URL record points to, even where no product used it', async () => {
    // Prepare
    const { dataDir, products } = await dataDirWithGarbage();
    const blobs = new FsBlobStore(path.join(dataDir, 'blobs'));
    const p0 = products[0] as (typeof products)[0];
    const newer = `originals/${hash(2)}.png`;
    await blobs.put(newer, Buffer.from('a newer image of p0 that failed to segment'));
    await blobs.put(urlRecordKey(p0.url), Buffer.from(JSON.stringify({ url: p0.url, originalKey: newer })));
    // Act
    await runGc(dataDir, { apply: true });
    // Assess
    expect(await blobs.has(newer)).toBe(true);
    expect(await blobs.has(p0.originalKey)).toBe(true);
  });

  it('--apply compacts an index log holding replaced and deleted records', async () => {
    // Prepare
    const { dataDir } = await dataDirWithGarbage();
    const store = await FileVectorStore.open(path.dirname(indexLog(dataDir)));
    const p3 = await store.get('p3');
    await store.upsert([{ ...(p3 as NonNullable<typeof p3>), vector: normalize([0, 1, 1, 0]) }]);
    await store.delete(['p2']);
    await store.close();
    // Act
    const report = await runGc(dataDir, { apply: true });
    // Assess
    const [index] = report.indexes;
    expect(index?.compacted).toBe(true);
    expect(index?.compactedBytes).toBeLessThan(index?.bytes ?? 0);
    expect((await readFile(indexLog(dataDir))).length).toBe(index?.compactedBytes);
    const reopened = await FileVectorStore.open(path.dirname(indexLog(dataDir)), { readOnly: true });
    expect(await reopened.count()).toBe(3);
  });

  it('never deletes a blob written again after the scan listed it', async () => {
    // Prepare
    const dataDir = await newDir();
    const blobs = new FsBlobStore(dataDir);
    await blobs.put('originals/a.jpg', Buffer.from('old'));
    await blobs.put('originals/b.jpg', Buffer.from('old'));
    const inventory = new FsBlobInventory(dataDir);
    const listed = await inventory.list('originals/');
    const later = new Date(Date.now() + 5000);
    await blobs.put('originals/a.jpg', Buffer.from('new!'));
    await utimes(path.join(dataDir, 'originals', 'a.jpg'), later, later);
    // Act
    const result = await inventory.remove(listed);
    // Assess
    expect(result.deleted.map((e) => e.key)).toEqual(['originals/b.jpg']);
    expect(result.changed.map((e) => e.key)).toEqual(['originals/a.jpg']);
    expect(await blobs.has('originals/a.jpg')).toBe(true);
  });
});
