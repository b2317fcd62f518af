import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunk } from '#core/chunk.ts';
import { writeFileAtomically } from '#core/fs-atomic.ts';
import { tempDirs } from './temp-dirs.ts';

const tempDir = tempDirs('atomic');

describe('writeFileAtomically', () => {
  it('creates the missing folders and leaves only the file behind', async () => {
    // Prepare
    const file = path.join(await tempDir(), 'a', 'b', 'c.bin');

    // Act
    await writeFileAtomically(file, Uint8Array.of(1, 2, 3), { durable: true });

    // Assess
    expect([...(await readFile(file))]).toEqual([1, 2, 3]);
    expect(await readdir(path.dirname(file))).toEqual(['c.bin']);
  });

  it('lets concurrent writers of one file finish, one whole content winning, no temp file left', async () => {
    // Prepare
    const dir = await tempDir();
    const file = path.join(dir, 'stamp');
    const contents = Array.from({ length: 20 }, (_, i) => String(i).repeat(10_000));

    // Act
    await Promise.all(contents.map((c) => writeFileAtomically(file, c)));

    // Assess
    expect(contents).toContain(await readFile(file, 'utf8'));
    expect(await readdir(dir)).toEqual(['stamp']);
  });

  it('removes its temporary file when the rename fails', async () => {
    // Prepare
    const dir = await tempDir();
    await mkdir(path.join(dir, 'taken', 'inside'), { recursive: true });

    // Act
    const act = writeFileAtomically(path.join(dir, 'taken'), 'x');

    // Assess
    await expect(act).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    expect(await readdir(dir)).toEqual(['taken']);
  });
});

describe('chunk', () => {
  it('splits into consecutive groups with a short last one', () => {
    // Act
    const groups = [chunk([1, 2, 3, 4, 5], 2), chunk([], 3), chunk(['a'], 8)];

    // Assess
    expect(groups).toEqual([[[1, 2], [3, 4], [5]], [], [['a']]]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses the size %s instead of looping forever', (size) => {
    // Act
    const act = () => chunk([1], size);

    // Assess
    expect(act).toThrow(`chunk size must be a positive integer, got ${size}`);
  });
});
