import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { GC_REFUSED_EXIT, runGcCommand } from '#cli/gc/gc-command.ts';
import { loadConfig } from '#core/config.ts';
import { indexLog, writeDataDir } from '#test/check/fixtures/data-dir.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';

const newDir = tempDirs('gc-command');

async function setup() {
  const dataDir = await newDir();
  await writeDataDir(dataDir);
  const blobs = new FsBlobStore(path.join(dataDir, 'blobs'));
  await blobs.put(`originals/${'e'.repeat(64)}.jpg`, Buffer.alloc(1500));
  return { dataDir, config: loadConfig({ THREADFINDER_DATA_DIR: dataDir }), blobs };
}

describe('threadfinder gc (command line)', () => {
  it('prints a dry run with the bytes, then --apply deletes and says what it freed', async () => {
    // Prepare
    const { config, blobs } = await setup();
    const printed: string[] = [];
    // Act
    const dry = await runGcCommand([], config, (l) => printed.push(l));
    const applied = await runGcCommand(['--apply', '--runs-older-than', '0'], config, (l) => printed.push(l));
    // Assess
    expect(dry).toBe(0);
    expect(applied).toBe(0);
    expect(printed[0]).toContain('dry run: nothing deleted; --apply deletes');
    expect(printed[0]).toMatch(/originals\s+1 \(1\.5 KB\)\s+4 \(/);
    expect(printed[0]).toContain('Would free 1.5 KB in 1 blob(s). Run gc --apply to delete them.');
    expect(printed[1]).toContain('Deleted 1 blob(s), freed 1.5 KB.');
    expect(await blobs.list('originals/')).toHaveLength(4);
  });

  it('exits 7, deleting nothing, while a writer holds the index', async () => {
    // Prepare
    const { dataDir, config } = await setup();
    const writer = await FileVectorStore.open(path.dirname(indexLog(dataDir)));
    const printed: string[] = [];
    // Act
    const code = await runGcCommand(['--apply'], config, (l) => printed.push(l));
    await writer.close();
    // Assess
    expect(code).toBe(GC_REFUSED_EXIT);
    expect(printed.join('\n')).toMatch(/^gc refused, nothing deleted: a writer .* holds the index at /);
    expect(await readdir(path.join(dataDir, 'blobs', 'originals'))).toHaveLength(5);
  });

  it('exits 7 rather than delete every image of a data dir without an index', async () => {
    // Prepare
    const { dataDir, config } = await setup();
    await rm(path.join(dataDir, 'index'), { recursive: true });
    const printed: string[] = [];
    // Act
    const code = await runGcCommand(['--apply'], config, (l) => printed.push(l));
    // Assess
    expect(code).toBe(GC_REFUSED_EXIT);
    expect(printed.join('\n')).toContain('there is no index under');
    expect(await readdir(path.join(dataDir, 'blobs', 'originals'))).toHaveLength(5);
  });

  it('refuses a bad --runs-older-than, and --cloud without its settings, naming each variable', async () => {
    // Prepare
    const { config } = await setup();
    // Act
    const badAge = runGcCommand(['--runs-older-than', 'soon'], config, () => {});
    const cloud = runGcCommand(['--cloud'], config, () => {}, { env: {} });
    const grace = runGcCommand(['--grace-hours', 'soon'], config, () => {});
    // Assess
    await expect(badAge).rejects.toThrow('--runs-older-than must be a number of days (0 or more), not soon');
    await expect(cloud).rejects.toThrow(
      /^gc --cloud needs THREADFINDER_BUCKET .*; and THREADFINDER_MONGODB_SECRET_ARN .* or MONGODB_URI .*; and THREADFINDER_STATE_MACHINE_ARN /,
    );
    await expect(grace).rejects.toThrow('--grace-hours must be a number of hours (0 or more), not soon');
  });
});
