import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { InputError, ModelMismatchError, ThreadfinderError } from '#core/errors.ts';
import { autoTagsContract } from '#test/contract/auto-tags-contract.ts';
import {
  CONTRACT_MODEL,
  collect,
  product,
  unit,
  vectorStoreContract,
} from '#test/contract/vector-store-contract.ts';
import { tempDirs } from './temp-dirs.ts';

const newDir = tempDirs('vectors');

vectorStoreContract('FileVectorStore', async () => FileVectorStore.open(await newDir()));
autoTagsContract('FileVectorStore', async () => FileVectorStore.open(await newDir()));

describe('FileVectorStore behaviour beyond the port', () => {
  it('names the stored and the asked model, dims and folder when the model does not match', async () => {
    // Prepare
    const dir = await newDir();
    const store = await FileVectorStore.open(dir);
    await store.bind({ model: 'fashion-clip', dim: 4 });
    await store.upsert([product('p', unit(1, 0, 0, 0))]);
    // Act
    const error = await store.bind({ model: 'marqo-siglip', dim: 768 }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ModelMismatchError);
    expect((error as Error).message).toBe(
      `index at ${dir} was built with model fashion-clip (dim 4); asked for marqo-siglip (dim 768); re-ingest or choose fashion-clip`,
    );
    await store.close();
  });

  it('lets an empty store be rebound to another model', async () => {
    // Prepare
    const store = await FileVectorStore.open(await newDir());
    await store.bind({ model: 'a', dim: 4 });
    // Act
    await store.bind({ model: 'b', dim: 8 });
    // Assess
    expect(await store.info()).toEqual({ model: 'b', dim: 8 });
    await store.close();
  });

  it('refuses vectors that are not unit length', async () => {
    // Prepare
    const store = await FileVectorStore.open(await newDir());
    await store.bind(CONTRACT_MODEL);
    // Act
    const error = await store.upsert([product('long', Float32Array.from([2, 0, 0, 0]))]).catch((e) => e);
    // Assess
    expect(error).toBeInstanceOf(InputError);
    expect(String(error)).toContain('norm 2.000');
    await store.close();
  });

  it('hands out copies, so callers cannot change stored records', async () => {
    // Prepare
    const store = await FileVectorStore.open(await newDir());
    await store.bind(CONTRACT_MODEL);
    const given = product('p', unit(1, 0, 0, 0), { color: 'red' });
    await store.upsert([given]);
    // Act
    given.vector[0] = 0;
    given.metadata.color = 'blue';
    const got = await store.get('p');
    if (got) {
      got.vector[1] = 1;
      got.images.push('x');
    }
    // Assess
    expect(await store.get('p')).toEqual({
      ...product('p', unit(1, 0, 0, 0), { color: 'red' }),
      vector: expect.anything(),
    });
    expect(Array.from((await store.get('p'))?.vector ?? [])).toEqual([1, 0, 0, 0]);
    await store.close();
  });

  it('keeps deletions after close and reopen', async () => {
    // Prepare
    const dir = await newDir();
    const store = await FileVectorStore.open(dir);
    await store.bind(CONTRACT_MODEL);
    await store.upsert(['a', 'b', 'c'].map((id, i) => product(id, unit(i, 1, 0, 0))));
    // Act
    await store.delete(['b']);
    await store.close();
    const reopened = await FileVectorStore.open(dir);
    // Assess
    expect((await collect(reopened.listIds())).sort()).toEqual(['a', 'c']);
    expect(await reopened.get('b')).toBeNull();
    await reopened.close();
  });

  it('lists ids from a snapshot, so deleting while iterating visits each id exactly once', async () => {
    // Prepare
    const store = await FileVectorStore.open(await newDir());
    await store.bind(CONTRACT_MODEL);
    const all = Array.from({ length: 10 }, (_, i) => `p${i}`);
    await store.upsert(all.map((id, i) => product(id, unit(1, i, 0, 0))));
    // Act
    const visited: string[] = [];
    for await (const id of store.listIds()) {
      visited.push(id);
      await store.delete([id === 'p0' ? 'p9' : id]);
    }
    // Assess
    expect(visited.sort()).toEqual(all.sort());
    expect(await store.count()).toBe(1);
    await store.close();
  });

  it('serialises concurrent writes without losing any', async () => {
    // Prepare
    const store = await FileVectorStore.open(await newDir());
    await store.bind(CONTRACT_MODEL);
    // Act
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.upsert([product(`p${i}`, unit(1, i, 0, 0))])),
    );
    // Assess
    expect(await store.count()).toBe(40);
    await store.close();
  });

  it('refuses every call after close, and close twice is fine', async () => {
    // Prepare
    const store = await FileVectorStore.open(await newDir());
    await store.bind(CONTRACT_MODEL);
    // Act
    await store.close();
    await store.close();
    const error = await store.count().catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ThreadfinderError);
    expect(String(error)).toContain('closed');
  });

  it('ranks correctly with a large k and many rows (sort path)', async () => {
    // Prepare
    const store = await FileVectorStore.open(await newDir());
    await store.bind(CONTRACT_MODEL);
    const records = Array.from({ length: 300 }, (_, i) =>
      product(`p${String(i).padStart(3, '0')}`, unit(Math.cos(i), Math.sin(i), 0.1, 0)),
    );
    await store.upsert(records);
    const query = unit(1, 0, 0, 0);
    // Act
    const hits = await store.search(query, { k: 100 });
    const few = await store.search(query, { k: 5 });
    // Assess
    const scores = hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(few.map((h) => h.record.id)).toEqual(hits.slice(0, 5).map((h) => h.record.id));
    await store.close();
  });
});
