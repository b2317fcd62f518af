import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { InputError } from '#core/errors.ts';
import { blobStoreContract } from '#test/contract/blob-store-contract.ts';
import { tempDirs } from './temp-dirs.ts';

const newDir = tempDirs('blobs');

blobStoreContract('FsBlobStore', async () => new FsBlobStore(await newDir()));

describe('FsBlobStore on disk', () => {
  it('stores a key as the file at the same relative path, leaving no temp files', async () => {
    // Prepare
    const root = await newDir();
    const store = new FsBlobStore(root);
    // Act
    await store.put('runs/r1/embedded/0.json', new TextEncoder().encode('{"a":1}'));
    // Assess
    expect(await readFile(path.join(root, 'runs', 'r1', 'embedded', '0.json'), 'utf8')).toBe('{"a":1}');
    expect(await readdir(path.join(root, 'runs', 'r1', 'embedded'))).toEqual(['0.json']);
  });

  it('does not list the temp file of a write that crashed before its rename', async () => {
    // Prepare
    const root = await newDir();
    const store = new FsBlobStore(root);
    await store.put('a/done', new Uint8Array([1]));
    await writeFile(path.join(root, 'a', '.tf-partial-0c1d'), new Uint8Array([2]));
    // Act
    const keys = await store.list('a/');
    // Assess
    expect(keys).toEqual(['a/done']);
  });

  it('refuses a key that would turn an existing key into a folder, and the reverse', async () => {
    // Prepare
    const store = new FsBlobStore(await newDir());
    await store.put('a/b', new Uint8Array([1]));
    // Act
    const under = await store.put('a/b/c', new Uint8Array([2])).catch((e: unknown) => e);
    const over = await store.put('a', new Uint8Array([3])).catch((e: unknown) => e);
    // Assess
    expect(under).toBeInstanceOf(InputError);
    expect(String(under)).toContain('"a/b/c"');
    expect(over).toBeInstanceOf(InputError);
    expect(Array.from(await store.get('a/b'))).toEqual([1]);
  });

  it('treats a folder as absent for get, has and delete', async () => {
    // Prepare
    const root = await newDir();
    await mkdir(path.join(root, 'only', 'folder'), { recursive: true });
    const store = new FsBlobStore(root);
    // Act
    const got = await store.get('only/folder').catch((e: unknown) => (e as Error).name);
    await store.delete('only/folder');
    // Assess
    expect(got).toBe('BlobNotFoundError');
    expect(await store.has('only/folder')).toBe(false);
  });

  it('rejects data that is not a Uint8Array', async () => {
    // Prepare
    const store = new FsBlobStore(await newDir());
    // Act
    const error = await store.put('x', 'text' as unknown as Uint8Array).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(InputError);
  });
});
