import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { CONTRACT_MODEL, product, unit } from '#test/contract/vector-store-contract.ts';
import { mountTmpfs, type Tmpfs } from './tmpfs.ts';

// Opening a store whose log has a damaged line sets that line aside and rewrites the log without it. On a full
// disk the rewrite fails: the error names the fault and the log, and trying again does not pile up copies.

let dir: string;
let fs: Tmpfs | string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-store-open-full-'));
  fs = await mountTmpfs(path.join(dir, 'mnt'), '1m');
});

afterAll(async () => {
  if (typeof fs !== 'string') await fs.unmount();
  await rm(dir, { recursive: true, force: true });
});

describe('opening a damaged store on a full disk', () => {
  it('fails naming the disk-full fault and the log, keeps every line, and sets the damage aside once', async (ctx) => {
    // Prepare: a ~300 KB log built elsewhere, copied onto the tmpfs, one byte of one line flipped
    if (typeof fs === 'string') ctx.skip(fs);
    const mnt = fs as Tmpfs;
    const source = path.join(dir, 'source');
    const built = await FileVectorStore.open(source);
    await built.bind(CONTRACT_MODEL);
    await built.upsert(
      Array.from({ length: 1500 }, (_, i) => product(`p${i}`, unit(1, i % 7, i % 3, 2), { name: `n${i}` })),
    );
    await built.close();
    const index = path.join(mnt.dir, 'index');
    await mkdir(index);
    const log = path.join(index, 'vectors.log');
    await copyFile(path.join(source, 'vectors.log'), log);
    const bytes = await readFile(log);
    bytes[bytes.indexOf('"p700"') + 2] = 0x71; // p700 -> pq00: the line's checksum no longer matches
    await writeFile(log, bytes);
    const { bsize, bavail } = await statfs(mnt.dir);
    await writeFile(path.join(mnt.dir, 'filler'), Buffer.alloc(bsize * bavail - 64 * 1024));

    // Act
    const failure = (e: unknown) => e as Error;
    const first = await FileVectorStore.open(index).then(() => new Error('opened'), failure);
    const second = await FileVectorStore.open(index).then(() => new Error('opened'), failure);
    const copies = (await readdir(index)).filter((n) => n.startsWith('vectors.log.damaged-'));

    // Assess
    for (const error of [first, second]) {
      expect(error.name).toBe('EnvironmentFault');
      expect(error.message).toContain('disk full');
      expect(error.message).toContain(log);
    }
    expect(copies).toHaveLength(1);
    expect(Buffer.compare(await readFile(log), bytes)).toBe(0);
  });
});
