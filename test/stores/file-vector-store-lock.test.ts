import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FileVectorStore, StoreLockedError } from '#adapters/file-vector-store.ts';
import { CONTRACT_MODEL, product, unit } from '#test/contract/vector-store-contract.ts';
import { tempDirs } from './temp-dirs.ts';

const newDir = tempDirs('vector-lock');
const run = promisify(execFile);
const opener = path.join(import.meta.dirname, 'fixtures', 'open-store.ts');

function lockOwnedBy(pid: number) {
  return JSON.stringify({ pid, host: hostname(), token: 'other', since: '2020-01-01T00:00:00.000Z' });
}

async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid ?? -1;
}

describe('FileVectorStore lock', () => {
  it('refuses a second writer in another process while the first is open, and allows it after close', async () => {
    // Prepare
    const dir = await newDir();
    const store = await FileVectorStore.open(dir);
    // Act
    const blocked = await run(process.execPath, ['--import', 'tsx', opener, dir]).catch((e) => e);
    await store.close();
    const allowed = await run(process.execPath, ['--import', 'tsx', opener, dir]);
    // Assess
    expect(blocked.code).toBe(3);
    expect(blocked.stdout).toContain(
      `StoreLockedError: vector store at ${dir} is already open for writing by process ${process.pid}`,
    );
    expect(allowed.stdout).toBe('opened\n');
  });

  it('refuses a second open in the same process', async () => {
    // Prepare
    const dir = await newDir();
    const store = await FileVectorStore.open(dir);
    // Act
    const error = await FileVectorStore.open(dir).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(String(error)).toContain('this process');
    await store.close();
  });

  it('respects a lock held by a live process', async () => {
    // Prepare
    const dir = await newDir();
    const holder: ChildProcess = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    await writeFile(path.join(dir, 'LOCK'), lockOwnedBy(holder.pid ?? -1));
    // Act
    const error = await FileVectorStore.open(dir).catch((e: unknown) => e);
    holder.kill();
    // Assess
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(String(error)).toContain(`process ${holder.pid}`);
  });

  it('replaces a stale lock left by a process that has exited', async () => {
    // Prepare
    const dir = await newDir();
    await writeFile(path.join(dir, 'LOCK'), lockOwnedBy(await exitedPid()));
    // Act
    const store = await FileVectorStore.open(dir);
    // Assess
    expect(JSON.parse(await readFile(path.join(dir, 'LOCK'), 'utf8')).pid).toBe(process.pid);
    await store.close();
  });

  it('lets a read-only opener see the data while a writer holds the lock, and refuses its writes', async () => {
    // Prepare
    const dir = await newDir();
    const writer = await FileVectorStore.open(dir);
    await writer.bind(CONTRACT_MODEL);
    await writer.upsert([product('a', unit(1, 0, 0, 0))]);
    // Act
    const reader = await FileVectorStore.open(dir, { readOnly: true });
    const write = await reader.upsert([product('b', unit(0, 1, 0, 0))]).catch((e: unknown) => e);
    // Assess
    expect(await reader.count()).toBe(1);
    expect(String(write)).toContain('read-only');
    await reader.close();
    await writer.close();
  });
});
