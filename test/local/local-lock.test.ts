import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LOCK_STALE_AFTER_MS } from '#adapters/lock-lease.ts';
import { startTimeOf, thisProcess } from '#adapters/lock-liveness.ts';
import { LOCK_CONDITIONS } from '#infra/ingest-states.ts';
import { createLocalLockTable } from '#local/local-lock.ts';

// The ingestion lock's CheckLockHolder (sfn:describeExecution): RUNNING only while the holder lives, told as
// the vector store's lock tells it (token, start time, heartbeat); a refusal names the file and the way out.

const made: string[] = [];
const children: ChildProcess[] = [];
const linux = startTimeOf(process.pid) !== undefined;
const catalog = 'catalogs/shop.csv';
const farAhead = Math.floor(Date.now() / 1000) + 86_400;

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A locks folder whose one lock of `catalog`, held by `arn`, says `holder` and was last refreshed `ageMs` ago. */
async function lockedBy(holder: object, ageMs = 0, arn = 'arn:holder') {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tf-local-lock-'));
  made.push(dataDir);
  const dir = path.join(dataDir, 'locks');
  await createLocalLockTable(dir).putItem(acquire(arn));
  const file = path.join(dir, (await readdir(dir))[0] as string);
  const lock = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify({ ...lock, since: '2020-01-01T00:00:00.000Z', ...holder }));
  // Messages round the age to seconds: 450 ms younger leaves the test most of a second before it reads one more.
  const when = new Date(Date.now() - ageMs + (ageMs > 0 ? 450 : 0));
  await utimes(file, when, when);
  return { dataDir, dir, file, table: createLocalLockTable(dir) };
}

function acquire(arn: string) {
  const now = String(Math.floor(Date.now() / 1000));
  return {
    Item: { pk: { S: catalog }, executionArn: { S: arn }, expiresAt: { N: String(farAhead) } },
    ConditionExpression: LOCK_CONDITIONS.acquire,
    ExpressionAttributeValues: { ':now': { N: now }, ':me': { S: arn } },
  };
}

function takeOver(arn: string, holder = 'arn:holder') {
  return {
    Item: { pk: { S: catalog }, executionArn: { S: arn }, expiresAt: { N: String(farAhead) } },
    ConditionExpression: LOCK_CONDITIONS.takeOver,
    ExpressionAttributeValues: { ':holder': { S: holder } },
  };
}

const statusOf = (table: ReturnType<typeof createLocalLockTable>) =>
  table.describeExecution({ ExecutionArn: 'arn:holder' }).then((r) => r.Status);

describe('local ingestion lock: is its holder running', () => {
  it('counts a lock this process holds as running, and one with its pid but a token it does not hold as aborted', async () => {
    // Prepare: the second is what a killed PID 1 leaves for the next PID 1 (same host, same start time here).
    const mine = await lockedBy({});
    const previous = await lockedBy({ ...thisProcess(), token: 'previous-incarnation' });
    // Act
    const statuses = [await statusOf(mine.table), await statusOf(previous.table)];
    // Assess
    expect(statuses).toEqual(['RUNNING', 'ABORTED']);
  });

  it.skipIf(!linux)('counts a live pid as running only with the start time the lock recorded', async () => {
    // Prepare
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    children.push(child);
    const pid = child.pid as number;
    const started = startTimeOf(pid) as number;
    const same = await lockedBy({ ...thisProcess(), pid, started, token: 'child' });
    const reused = await lockedBy({ ...thisProcess(), pid, started: started - 1, token: 'child' });
    // Act
    const statuses = [await statusOf(same.table), await statusOf(reused.table)];
    // Assess
    expect(statuses).toEqual(['RUNNING', 'ABORTED']);
  });

  it('refuses a holder on another host within its lease, naming the lock file, the holder and the way out', async () => {
    // Prepare
    const { dataDir, file, table } = await lockedBy(
      { pid: 1, host: 'old-container', token: 'elsewhere' },
      30_000,
    );
    // Act
    const status = await statusOf(table);
    const refusal = await table.refusal(catalog);
    // Assess
    expect(status).toBe('RUNNING');
    expect(refusal).toBe(
      `its lock is held by process 1 on old-container since 2020-01-01T00:00:00.000Z (lock file ${file}, ` +
        `refreshed 30 s ago; it lapses ${LOCK_STALE_AFTER_MS / 1000} s after its holder's last refresh); ` +
        `if no Threadfinder process on old-container uses the data dir ${dataDir}, delete ${file}`,
    );
  });

  it('takes over from a holder on another host that stopped refreshing its lock, exactly once', async () => {
    // Prepare
    const { file, table } = await lockedBy(
      { pid: 1, host: 'old-container', token: 'elsewhere' },
      LOCK_STALE_AFTER_MS + 1000,
    );
    // Act
    const status = await statusOf(table);
    const takers = await Promise.allSettled([
      table.putItem(takeOver('arn:a')),
      createLocalLockTable(path.dirname(file)).putItem(takeOver('arn:b')),
    ]);
    // Assess
    expect(status).toBe('ABORTED');
    expect(takers.map((t) => t.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lock = JSON.parse(await readFile(file, 'utf8'));
    expect([lock.executionArn, lock.pid]).toEqual([
      takers[0]?.status === 'fulfilled' ? 'arn:a' : 'arn:b',
      process.pid,
    ]);
  });
});
