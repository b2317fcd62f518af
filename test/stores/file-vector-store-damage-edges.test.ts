import { spawnSync } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePut } from '#adapters/file-vector-store/log-format.ts';
import { rewriteLostBind } from '#adapters/file-vector-store/rebind.ts';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { encodeVector } from '#core/vector-codec.ts';
import { CONTRACT_MODEL, unit } from '#test/contract/vector-store-contract.ts';
import { lineStarts, logOf, overwrite, PRODUCTS, writeProducts } from './fixtures/damaged-log.ts';
import { tempDirs } from './temp-dirs.ts';

const newDir = tempDirs('vector-damage-edges');

describe('FileVectorStore damage, edge cases', () => {
  it('does not call a writer’s append in progress damage when read beside it', async () => {
    // Prepare
    const dir = await newDir();
    await writeProducts(dir);
    const writer = await FileVectorStore.open(dir);
    const line = encodePut(
      'half',
      encodeVector(unit(0, 1, 0, 0)),
      '{"images":[],"metadata":{},"imagesUsed":1}',
    );
    await appendFile(logOf(dir), line.slice(0, 40));
    // Act
    const beside = await FileVectorStore.open(dir, { readOnly: true });
    await writer.close();
    const after = await FileVectorStore.open(dir, { readOnly: true });
    // Assess
    expect(beside.damage()).toBeNull();
    expect(await beside.count()).toBe(PRODUCTS.length);
    expect(after.damage()?.lines).toEqual([
      expect.objectContaining({ fault: 'the log ends inside this line (no newline)', ids: ['half'] }),
    ]);
    await Promise.all([beside.close(), after.close()]);
  });

  it('calls a torn last line damage under a lock whose writer is gone', async () => {
    // Prepare: a LOCK left by a process that has exited (killed mid-append)
    const dir = await newDir();
    await writeProducts(dir);
    const line = encodePut(
      'half',
      encodeVector(unit(0, 1, 0, 0)),
      '{"images":[],"metadata":{},"imagesUsed":1}',
    );
    await appendFile(logOf(dir), line.slice(0, 40));
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const lock = { pid: Number(gone.stdout.toString()), host: hostname(), token: 't', since: '2026-01-01' };
    await writeFile(path.join(dir, 'LOCK'), JSON.stringify(lock));
    // Act
    const reader = await FileVectorStore.open(dir, { readOnly: true });
    // Assess
    expect(reader.damage()?.lines).toEqual([
      expect.objectContaining({ fault: 'the log ends inside this line (no newline)', ids: ['half'] }),
    ]);
    await reader.close();
  });

  it('loses nothing when a newline is deleted between two records', async () => {
    // Prepare
    const dir = await newDir();
    const log = await writeProducts(dir);
    const cut = (lineStarts(log)[5] as number) - 1;
    await writeFile(logOf(dir), Buffer.concat([log.subarray(0, cut), log.subarray(cut + 1)]));
    // Act
    const store = await FileVectorStore.open(dir, { readOnly: true });
    // Assess
    expect(store.damage()).toBeNull();
    expect(await store.count()).toBe(PRODUCTS.length);
    await store.close();
  });

  it('names a damaged delete, whose product may be back, without listing it for re-ingestion', async () => {
    // Prepare
    const dir = await newDir();
    await writeProducts(dir);
    const store = await FileVectorStore.open(dir);
    await store.delete(['p6']);
    await store.close();
    const log = await readFile(logOf(dir));
    await writeFile(logOf(dir), overwrite(log, (lineStarts(log)[11] as number) + 2, 'QQ'));
    // Act
    const reopened = await FileVectorStore.open(dir, { readOnly: true });
    // Assess
    expect(reopened.damage()?.lines).toEqual([
      expect.objectContaining({ line: 11, kind: 'del', ids: ['p6'] }),
    ]);
    expect(reopened.damage()?.productIds).toEqual([]);
    expect(await reopened.get('p6')).not.toBeNull();
    await reopened.close();
  });

  it('refuses a log whose bind record is damaged, naming the file, the record and the damaged line', async () => {
    // Prepare
    const dir = await newDir();
    const log = await writeProducts(dir);
    const damaged = overwrite(log, (lineStarts(log)[2] as number) + 15, 'ZZ');
    await writeFile(logOf(dir), damaged);
    // Act
    const error = await FileVectorStore.open(dir).catch((e: unknown) => e);
    // Assess
    expect(String(error)).toContain(`vector log ${logOf(dir)} line 3: a record before the store was bound`);
    expect(String(error)).toContain('damaged line (2)');
    expect(await readFile(logOf(dir))).toEqual(damaged);
  });

  it('writes a lost bind record again from the model it is given and the width of the put lines', async () => {
    // Prepare
    const dir = await newDir();
    const log = await writeProducts(dir);
    await writeFile(logOf(dir), overwrite(log, (lineStarts(log)[2] as number) + 15, 'ZZ'));
    // Act
    const rebound = await rewriteLostBind(dir, CONTRACT_MODEL.model);
    const again = await rewriteLostBind(dir, 'another-model');
    const store = await FileVectorStore.open(dir, { readOnly: true });
    // Assess
    expect(rebound?.index).toEqual(CONTRACT_MODEL);
    expect(rebound?.damage?.lines).toEqual([expect.objectContaining({ line: 2 })]);
    expect(again).toBeNull();
    expect(await store.info()).toEqual(CONTRACT_MODEL);
    expect(store.damage()).toBeNull();
    expect(await store.count()).toBe(PRODUCTS.length);
    expect((await readFile(logOf(dir))).subarray(0, lineStarts(log)[3])).toEqual(
      log.subarray(0, lineStarts(log)[3]),
    );
    await store.close();
  });
});
