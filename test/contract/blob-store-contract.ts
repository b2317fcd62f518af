import { beforeEach, describe, expect, it } from 'vitest';
import { BlobNotFoundError, InputError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The behaviour every BlobStore adapter promises; `makeStore` returns an empty store each time. */
/** What a store under test cannot show, with the reason (each is checked elsewhere). */
export interface ContractLimits {
  /**
   * The server behind the store does not replace objects atomically (s3rver writes the file in place; S3
   * itself replaces whole objects, and the S3 adapter never writes in parts), so concurrent replacement is
   * checked on the stores that own their writes.
   */
  nonAtomicServer?: string;
}

export function blobStoreContract(
  name: string,
  makeStore: () => Promise<BlobStore>,
  limits: ContractLimits = {},
): void {
  describe(`${name} (BlobStore contract)`, () => {
    let store: BlobStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it('returns exactly the bytes that were put, including empty and binary data', async () => {
      // Prepare
      const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
      // Act
      await store.put('originals/all-bytes.bin', binary, 'application/octet-stream');
      await store.put('empty', new Uint8Array(0));
      // Assess
      expect(Array.from(await store.get('originals/all-bytes.bin'))).toEqual(Array.from(binary));
      expect((await store.get('empty')).length).toBe(0);
    });

    it('replaces an object put twice under the same key', async () => {
      // Prepare
      await store.put('k/a.txt', bytes('first version, longer'));
      // Act
      await store.put('k/a.txt', bytes('second'));
      // Assess
      expect(new TextDecoder().decode(await store.get('k/a.txt'))).toBe('second');
      expect(await store.list('k/')).toEqual(['k/a.txt']);
    });

    it('throws BlobNotFoundError naming the key for a missing object', async () => {
      // Act
      const error = await store.get('runs/r1/missing.json').catch((e: unknown) => e);
      // Assess
      expect(error).toBeInstanceOf(BlobNotFoundError);
      expect((error as BlobNotFoundError).key).toBe('runs/r1/missing.json');
    });

    it('reports whether a key exists', async () => {
      // Prepare
      await store.put('a/b/c.json', bytes('{}'));
      // Act
      const results = await Promise.all(['a/b/c.json', 'a/b', 'a/b/d.json', 'x'].map((k) => store.has(k)));
      // Assess
      expect(results).toEqual([true, false, false, false]);
    });

    it('lists keys by string prefix, recursively and sorted', async () => {
      // Prepare
      const keys = [
        'runs/r1/embedded/2.json',
        'runs/r1/embedded/10.json',
        'runs/r1/summary.json',
        'runs/r2/x',
        'z',
      ];
      for (const key of keys) await store.put(key, bytes(key));
      // Act
      const embedded = await store.list('runs/r1/embedded/');
      const partialSegment = await store.list('runs/r1/emb');
      const run = await store.list('runs/r1');
      const all = await store.list('');
      // Assess
      expect(embedded).toEqual(['runs/r1/embedded/10.json', 'runs/r1/embedded/2.json']);
      expect(partialSegment).toEqual(embedded);
      expect(run).toEqual([...embedded, 'runs/r1/summary.json']);
      expect(all).toEqual([...embedded, 'runs/r1/summary.json', 'runs/r2/x', 'z']);
      expect(await store.list('nothing/here/')).toEqual([]);
    });

    it('deletes an object, and deleting a missing key is not an error', async () => {
      // Prepare
      await store.put('d/one', bytes('1'));
      await store.put('d/two', bytes('2'));
      // Act
      await store.delete('d/one');
      await store.delete('d/one');
      await store.delete('never/existed');
      // Assess
      expect(await store.has('d/one')).toBe(false);
      expect(await store.list('d/')).toEqual(['d/two']);
    });

    it('accepts keys with spaces, unicode and punctuation', async () => {
      // Prepare
      const key = 'masked/été summer=1,a+b (copy)/ünï çødé.png';
      // Act
      await store.put(key, bytes('x'));
      // Assess
      expect(await store.list('masked/')).toEqual([key]);
      expect(new TextDecoder().decode(await store.get(key))).toBe('x');
    });

    it.skipIf(limits.nonAtomicServer !== undefined)(
      'never exposes a partial object while concurrent writers replace it',
      async () => {
        // Prepare
        const versions = Array.from({ length: 8 }, (_, i) => new Uint8Array(64 * 1024).fill(i + 1));
        // Act
        await Promise.all(versions.map((v) => store.put('race/blob', v)));
        // Assess
        const got = await store.get('race/blob');
        expect(got.length).toBe(64 * 1024);
        expect(new Set(got).size).toBe(1);
        expect(await store.list('race/')).toEqual(['race/blob']);
      },
    );

    it.each([
      ['empty', ''],
      ['absolute', '/etc/passwd'],
      ['parent segment', 'a/../b'],
      ['leading parent', '../outside'],
      ['dot segment', 'a/./b'],
      ['backslash', 'a\\b'],
      ['NUL', 'a\0b'],
      ['empty segment', 'a//b'],
      ['trailing slash', 'a/b/'],
    ])('rejects a key with %s with InputError on every method', async (_what, key) => {
      // Act
      const errors = await Promise.all([
        store.put(key, bytes('x')).catch((e: unknown) => e),
        store.get(key).catch((e: unknown) => e),
        store.has(key).catch((e: unknown) => e),
        store.delete(key).catch((e: unknown) => e),
      ]);
      // Assess
      for (const error of errors) expect(error).toBeInstanceOf(InputError);
    });

    it('rejects a traversing list prefix with InputError', async () => {
      // Act
      const error = await store.list('../').catch((e: unknown) => e);
      // Assess
      expect(error).toBeInstanceOf(InputError);
    });
  });
}
