import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePut } from '#adapters/file-vector-store/log-format.ts';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { encodeVector } from '#core/vector-codec.ts';
import { CONTRACT_MODEL, product, unit } from '#test/contract/vector-store-contract.ts';
import { tempDirs } from './temp-dirs.ts';

const newDir = tempDirs('vector-durability');
const logOf = (dir: string) => path.join(dir, 'vectors.log');
const query = unit(1, 0.3, 0.2, 0.1);

async function filledStore(dir: string, options = {}): Promise<FileVectorStore> {
  const store = await FileVectorStore.open(dir, options);
  await store.bind(CONTRACT_MODEL);
  await store.upsert([
    product('a', unit(1, 0, 0, 0), { category: 'shirts', price: 10 }),
    product('b', unit(0, 1, 0, 0), { category: 'shirts', price: 30 }),
    product('c', unit(1, 1, 1, 0), { category: 'coats', price: 90 }),
  ]);
  return store;
}

describe('FileVectorStore durability', () => {
  it('gives the same info, count and search results after close and reopen', async () => {
    // Prepare
    const dir = await newDir();
    const first = await filledStore(dir);
    const before = await first.search(query, { k: 3, filter: { category: 'SHIRTS' } });
    await first.close();
    // Act
    const second = await FileVectorStore.open(dir);
    // Assess
    expect(second.damage()).toBeNull();
    expect(await second.info()).toEqual(CONTRACT_MODEL);
    expect(await second.count()).toBe(3);
    expect(await second.search(query, { k: 3, filter: { category: 'SHIRTS' } })).toEqual(before);
    await second.close();
  });

  it('cuts a torn last line on open, keeps every earlier record and accepts new writes', async () => {
    // Prepare
    const dir = await newDir();
    await (await filledStore(dir)).close();
    const torn = encodePut('d', encodeVector(unit(0, 0, 0, 1)), '{"images":[],"metadata":{},"imagesUsed":1}');
    const sizeBefore = (await stat(logOf(dir))).size;
    await appendFile(logOf(dir), torn.slice(0, torn.length / 2));
    // Act
    const reopened = await FileVectorStore.open(dir);
    await reopened.upsert([product('e', unit(0, 0, 1, 0))]);
    await reopened.close();
    const third = await FileVectorStore.open(dir);
    // Assess
    expect(reopened.damage()).toMatchObject({ bytes: Math.floor(torn.length / 2), productIds: ['d'] });
    expect(third.damage()).toBeNull();
    expect(await third.count()).toBe(4);
    expect(await third.get('d')).toBeNull();
    expect((await third.get('a'))?.metadata).toEqual({ category: 'shirts', price: 10 });
    expect((await stat(logOf(dir))).size).toBeGreaterThan(sizeBefore);
    await third.close();
  });

  it('cuts appended garbage with newlines in it, setting it aside', async () => {
    // Prepare
    const dir = await newDir();
    await (await filledStore(dir)).close();
    const garbage = Buffer.from('\0\0\0\n{"t":"put"}\nzzzz');
    await appendFile(logOf(dir), garbage);
    // Act
    const store = await FileVectorStore.open(dir);
    // Assess
    expect(store.damage()?.bytes).toBe(20);
    expect(store.damage()?.lines.map((l) => l.line)).toEqual([6, 7, 8]);
    expect(await readFile(store.damage()?.setAsideTo ?? '')).toEqual(garbage);
    expect(await store.count()).toBe(3);
    await store.close();
  });

  it('keeps valid records that follow a corrupt one, and sets only the corrupt one aside', async () => {
    // Prepare
    const dir = await newDir();
    await (await filledStore(dir)).close();
    const good = encodePut('z', encodeVector(unit(0, 0, 0, 1)), '{"images":[],"metadata":{},"imagesUsed":1}');
    const flipped = `0${good.slice(1).replace('"z"', '"y"')}`;
    await appendFile(logOf(dir), flipped + good);
    // Act
    const store = await FileVectorStore.open(dir);
    // Assess
    expect(await readFile(store.damage()?.setAsideTo ?? '', 'utf8')).toBe(flipped);
    expect(store.damage()?.productIds).toEqual(['y']);
    expect(await store.count()).toBe(4);
    expect(await store.get('z')).not.toBeNull();
    await store.close();
  });

  it('refuses to open a file that is not a vector log, leaving it untouched', async () => {
    // Prepare
    const dir = await newDir();
    await writeFile(logOf(dir), 'id,vector\n1,2\n');
    // Act
    const error = await FileVectorStore.open(dir).catch((e: unknown) => e);
    // Assess
    expect(String(error)).toContain('not a Threadfinder vector log');
    expect(String(error)).toContain(logOf(dir));
    expect(await readFile(logOf(dir), 'utf8')).toBe('id,vector\n1,2\n');
    expect(await FileVectorStore.open(dir).catch((e: Error) => e.name)).toBe('ThreadfinderError');
  });

  it('does not append when an upsert repeats stored content', async () => {
    // Prepare
    const dir = await newDir();
    const store = await filledStore(dir);
    const size = (await stat(logOf(dir))).size;
    // Act
    await store.upsert([product('a', unit(1, 0, 0, 0), { price: 10, category: 'shirts' })]);
    await store.bind({ ...CONTRACT_MODEL });
    // Assess
    expect((await stat(logOf(dir))).size).toBe(size);
    await store.close();
  });

  it('compacts to the live records only and keeps the same results, also after reopening', async () => {
    // Prepare
    const dir = await newDir();
    const store = await filledStore(dir);
    for (let i = 1; i <= 20; i++) await store.upsert([product('b', unit(0, 1, 0, 0), { price: 30 + i })]);
    await store.delete(['c']);
    const before = await store.search(query, { k: 5 });
    const grown = (await stat(logOf(dir))).size;
    // Act
    await store.compact();
    const after = await store.search(query, { k: 5 });
    await store.upsert([product('n', unit(0, 0, 1, 1))]);
    await store.close();
    const reopened = await FileVectorStore.open(dir);
    // Assess
    expect((await stat(logOf(dir))).size).toBeLessThan(grown / 5);
    expect(after).toEqual(before);
    expect(await reopened.count()).toBe(3);
    expect((await reopened.get('b'))?.metadata.price).toBe(50);
    expect(await reopened.get('c')).toBeNull();
    await reopened.close();
  });

  it('compacts by itself once the log passes twice its live size', async () => {
    // Prepare
    const dir = await newDir();
    const store = await filledStore(dir, { compactMinBytes: 0 });
    const live = (await stat(logOf(dir))).size;
    // Act
    for (let i = 0; i < 30; i++) await store.upsert([product('a', unit(1, 0, 0, 0), { price: i })]);
    // Assess
    expect((await stat(logOf(dir))).size).toBeLessThanOrEqual(2 * live + 200);
    expect((await store.get('a'))?.metadata.price).toBe(29);
    await store.close();
  });
});
