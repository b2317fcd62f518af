import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { GcRefusedError } from '#cli/gc/errors.ts';
import { runGc } from '#cli/gc/run-gc.ts';
import { indexLog, MODEL, writeDataDir } from '#test/check/fixtures/data-dir.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';

const newDir = tempDirs('gc-index-state');
const indexDir = (dataDir: string) => path.dirname(indexLog(dataDir));

describe('gc and the state of the index', () => {
  it('goes ahead past an index LOCK left by a writer that is gone (an ingest killed with -9)', async () => {
    // Prepare: a LOCK naming a process that has exited
    const dataDir = await newDir();
    await writeDataDir(dataDir);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const holder = {
      pid: Number(gone.stdout.toString()),
      host: os.hostname(),
      token: 't',
      since: '2026-12-01',
    };
    await writeFile(path.join(indexDir(dataDir), 'LOCK'), JSON.stringify(holder));
    // Act
    const result = await runGc(dataDir, { apply: true });
    // Assess: it ran, over the index the dead writer had locked
    expect(result.apply).toBe(true);
    expect(result.indexes.map((i) => i.dir)).toEqual([indexDir(dataDir)]);
  });

  it('refuses while image-vectors.log has a damaged line, leaving it for check --repair to report', async () => {
    // Prepare: per-image vectors of two products, one byte of the first line changed
    const dataDir = await newDir();
    await writeDataDir(dataDir);
    const store = await FileVectorStore.open(indexDir(dataDir));
    for (const id of ['p0', 'p1']) {
      const images = [{ index: 0, vector: new Float32Array([1, 0.5, 0.25, id.length]) }];
      await store.putImageVectors([{ id, images, settings: { embedModel: MODEL.id } }]);
    }
    await store.close();
    const log = path.join(indexDir(dataDir), 'image-vectors.log');
    const bytes = await readFile(log);
    bytes.write('#', 40, 'latin1');
    await writeFile(log, bytes);
    // Act
    const gc = runGc(dataDir, { apply: true });
    // Assess
    await expect(gc).rejects.toBeInstanceOf(GcRefusedError);
    await expect(gc).rejects.toThrow(/1 damaged line\(s\) in image-vectors\.log/);
    expect(await readFile(log)).toEqual(bytes);
  });
});
