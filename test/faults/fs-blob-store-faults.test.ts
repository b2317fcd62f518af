import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { EnvironmentFaultError } from '#core/env-fault.ts';
import { mountTmpfs, type Tmpfs } from './tmpfs.ts';

// A real file system that fills up and turns read-only (a 256 KiB tmpfs), under the real FsBlobStore.

let dir: string;
let fs: Tmpfs | string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-blob-faults-'));
  fs = await mountTmpfs(path.join(dir, 'mnt'), '256k');
});

afterAll(async () => {
  if (typeof fs !== 'string') await fs.unmount();
  await rm(dir, { recursive: true, force: true });
});

function mounted(skip: (note: string) => void): Tmpfs {
  if (typeof fs === 'string') skip(fs);
  return fs as Tmpfs;
}

describe('FsBlobStore on a file system that faults', () => {
  it('throws a disk-full EnvironmentFaultError naming the key’s file, and keeps what was stored', async (ctx) => {
    // Prepare
    const mnt = mounted((note) => ctx.skip(note));
    const blobs = new FsBlobStore(path.join(mnt.dir, 'blobs'));
    await blobs.put('masked/small.png', new Uint8Array(1000));
    // Act
    const act = blobs.put('masked/big.png', new Uint8Array(1024 * 1024));
    // Assess
    const file = path.join(mnt.dir, 'blobs', 'masked', 'big.png');
    await expect(act).rejects.toThrow(EnvironmentFaultError);
    await expect(act).rejects.toMatchObject({
      kind: 'disk_full',
      code: 'ENOSPC',
      path: file,
      message: `disk full while writing ${file}: free space, or inodes if df -i shows none left, and run the same command again`,
    });
    expect(await blobs.list('masked/')).toEqual(['masked/small.png']);
    expect((await blobs.get('masked/small.png')).length).toBe(1000);
    await blobs.delete('masked/small.png');
  });

  it('throws a read-only EnvironmentFaultError on a read-only file system, and still reads', async (ctx) => {
    // Prepare
    const mnt = mounted((note) => ctx.skip(note));
    const blobs = new FsBlobStore(path.join(mnt.dir, 'blobs'));
    await blobs.put('originals/a.jpg', new Uint8Array([1, 2, 3]));
    await mnt.remount('ro');
    try {
      // Act
      const act = blobs.put('originals/b.jpg', new Uint8Array([4]));
      // Assess
      await expect(act).rejects.toMatchObject({
        name: 'EnvironmentFault',
        kind: 'read_only',
        message: expect.stringMatching(/^read-only file system while writing .*originals\/b\.jpg: /),
      });
      expect(await blobs.get('originals/a.jpg')).toEqual(new Uint8Array([1, 2, 3]));
    } finally {
      await mnt.remount('rw');
    }
  });
});
