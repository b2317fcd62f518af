import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileVectorStore, StoreLockedError } from '#adapters/file-vector-store.ts';
import { LOCK_STALE_AFTER_MS } from '#adapters/lock-lease.ts';
import { startTimeOf, thisProcess } from '#adapters/lock-liveness.ts';
import { tempDirs } from './temp-dirs.ts';

// A lock's holder is told by what a restart cannot fake: the token of this process's own locks, the start
// time of a pid on this machine, the heartbeat's mtime of a holder on another machine.

const newDir = tempDirs('vector-lock-liveness');
const holder = path.join(import.meta.dirname, 'fixtures', 'hold-store.ts');
const linux = startTimeOf(process.pid) !== undefined;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function writeLock(dir: string, owner: object, ageMs = 0): Promise<string> {
  const file = path.join(dir, 'LOCK');
  await writeFile(file, JSON.stringify({ since: '2020-01-01T00:00:00.000Z', ...owner }));
  // Messages round the age to seconds: 450 ms younger leaves the test most of a second before it reads one more.
  const when = new Date(Date.now() - ageMs + (ageMs > 0 ? 450 : 0));
  await utimes(file, when, when);
  return file;
}

async function tokenOf(dir: string): Promise<string> {
  return JSON.parse(await readFile(path.join(dir, 'LOCK'), 'utf8')).token;
}

function sleeper(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
  children.push(child);
  return child;
}

describe('FileVectorStore lock: is its holder alive', () => {
  it('takes over a lock left by an earlier process with this pid (PID 1 in a container), whose token it does not hold', async () => {
    // Prepare: same pid, host, start time; only the token tells it was another incarnation.
    const dir = await newDir();
    await writeLock(dir, { ...thisProcess(), token: 'previous-incarnation' });
    // Act
    const store = await FileVectorStore.open(dir);
    // Assess
    expect(await tokenOf(dir)).not.toBe('previous-incarnation');
    await store.close();
  });

  it.skipIf(!linux)(
    'takes over a lock whose pid now runs an unrelated process (another start time)',
    async () => {
      // Prepare
      const dir = await newDir();
      const other = sleeper();
      const pid = other.pid as number;
      const started = startTimeOf(pid) as number;
      await writeLock(dir, { ...thisProcess(), pid, started: started - 1, token: 'reused-pid' });
      // Act
      const store = await FileVectorStore.open(dir);
      // Assess
      expect(await tokenOf(dir)).not.toBe('reused-pid');
      await store.close();
    },
  );

  it.skipIf(!linux)('refuses a lock whose pid runs with the recorded start time', async () => {
    // Prepare
    const dir = await newDir();
    const other = sleeper();
    const pid = other.pid as number;
    await writeLock(dir, { ...thisProcess(), pid, started: startTimeOf(pid), token: 'live' });
    // Act
    const error = await FileVectorStore.open(dir).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(String(error)).toContain(`process ${pid} on ${hostname()}`);
  });

  it('refuses a lock from another host refreshed within the lease, naming the file and the way out', async () => {
    // Prepare
    const dir = await newDir();
    const file = await writeLock(dir, { pid: 1, host: 'old-container', token: 'elsewhere' }, 20_000);
    // Act
    const error = await FileVectorStore.open(dir).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(StoreLockedError);
    expect((error as Error).message).toBe(
      `vector store at ${dir} is already open for writing by process 1 on old-container since ` +
        `2020-01-01T00:00:00.000Z (lock file ${file}, refreshed 20 s ago; it lapses ${LOCK_STALE_AFTER_MS / 1000} s ` +
        `after its holder's last refresh); if no Threadfinder process on old-container uses ${dir}, delete ${file}`,
    );
  });

  it('takes over a lock from another host once its holder stopped refreshing it', async () => {
    // Prepare
    const dir = await newDir();
    await writeLock(dir, { pid: 1, host: 'old-container', token: 'elsewhere' }, LOCK_STALE_AFTER_MS + 1000);
    // Act
    const store = await FileVectorStore.open(dir);
    // Assess
    expect(await tokenOf(dir)).not.toBe('elsewhere');
    await store.close();
  });

  it.skipIf(!linux)(
    'treats this pid in another pid namespace (a container with the same hostname) as another machine',
    async () => {
      // Prepare: two containers of one host (docker --network host) share the hostname and are both PID 1.
      const dir = await newDir();
      await writeLock(dir, { ...thisProcess(), pidns: 'pid:[1]', token: 'sibling-container' }, 1000);
      // Act
      const error = await FileVectorStore.open(dir).catch((e: unknown) => e);
      // Assess
      expect(error).toBeInstanceOf(StoreLockedError);
      expect(String(error)).toContain('refreshed 1 s ago');
    },
  );

  it('refuses while another process holds the store, naming it and the file, and takes over once it was killed', async () => {
    // Prepare
    const dir = await newDir();
    const child = spawn(process.execPath, ['--import', 'tsx', holder, dir]);
    children.push(child);
    await new Promise((resolve, reject) => {
      child.stdout?.on('data', resolve);
      child.on('exit', reject);
    });
    const file = path.join(dir, 'LOCK');
    // Act
    const refused = await FileVectorStore.open(dir).catch((e: unknown) => e);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const store = await FileVectorStore.open(dir);
    // Assess
    expect(refused).toBeInstanceOf(StoreLockedError);
    expect(String(refused)).toContain(`by process ${child.pid} on ${hostname()} since `);
    expect(String(refused)).toContain(
      `(lock file ${file}); if no Threadfinder process on ${hostname()} uses ${dir}, delete ${file}`,
    );
    expect(JSON.parse(await readFile(file, 'utf8')).pid).toBe(process.pid);
    await store.close();
  });
});
