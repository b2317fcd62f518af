import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { createExclusive, type LockRead, readLockFile, removeIfToken } from '#adapters/lock-file.ts';
import { claimToken, dropToken, startHeartbeat, stopHeartbeat } from '#adapters/lock-lease.ts';
import {
  explainHolder,
  holderState,
  type LockHolder,
  type ProcessIdentity,
  thisProcess,
} from '#adapters/lock-liveness.ts';
import { LOCK_CONDITIONS } from '#infra/ingest-states.ts';
import { UnsupportedDefinitionError } from '#map-runner/index.ts';

const s = z.object({ S: z.string().min(1) });
const n = z.object({ N: z.string().regex(/^\d+$/) });
const item = z.object({ pk: s, executionArn: s, expiresAt: n });
const acquire = z.object({
  Item: item,
  ConditionExpression: z.literal(LOCK_CONDITIONS.acquire),
  ExpressionAttributeValues: z.object({ ':now': n, ':me': s }),
});
const takeOver = z.object({
  Item: item,
  ConditionExpression: z.literal(LOCK_CONDITIONS.takeOver),
  ExpressionAttributeValues: z.object({ ':holder': s }),
});
const putItem = z.discriminatedUnion('ConditionExpression', [acquire, takeOver]);
const getItem = z.object({ Key: z.object({ pk: s }) });
const deleteItem = z.object({
  Key: z.object({ pk: s }),
  ConditionExpression: z.literal(LOCK_CONDITIONS.release),
  ExpressionAttributeValues: z.object({ ':me': s }),
});
const describe = z.object({ ExecutionArn: z.string().min(1) });

/** A lock as stored on disk: the table's item plus which process holds it, to tell a crashed holder. */
interface LockFile extends LockHolder {
  pk: string;
  executionArn: string;
  expiresAt: number;
}

/** DynamoDB's error name for a failed condition, which the state machine catches. */
export const CONDITIONAL_CHECK_FAILED = 'DynamoDB.ConditionalCheckFailedException';

/** Who this process is, for the locks it takes (tests pass another holder). */
export type LockOwner = ProcessIdentity;

/**
 * The cloud stack's lock table and the execution check of its overlap guard, on local disk: the same
 * conditional PutItem / GetItem / DeleteItem Task states, and a describeExecution that reports a holder as
 * running only while its process lives (see holderState: by token in this process, by pid and start time on
 * this machine, by the heartbeat's mtime from another), so a run killed with -9 does not block its catalog.
 */
export function createLocalLockTable(dir: string, owner: LockOwner = thisProcess()) {
  const fileOf = (pk: string) =>
    path.join(dir, `${createHash('sha256').update(pk).digest('hex').slice(0, 32)}.json`);
  /** Writes the lock, replacing `replacing` if that is still what the file holds; a lock taken meanwhile wins. */
  const hold = async (lock: LockFile, replacing: LockFile | undefined) => {
    await mkdir(dir, { recursive: true });
    const file = fileOf(lock.pk);
    const token = randomUUID();
    const body = JSON.stringify({ ...lock, ...owner, token, since: new Date().toISOString() });
    claimToken(token);
    try {
      if (replacing) {
        const now = await read(file);
        if (now && !sameLock(now, replacing)) throw conditionFailed(`${lock.pk} was locked meanwhile`);
        await removeIfToken(file, replacing.token);
      }
      if (!(await createExclusive(file, body))) throw conditionFailed(`${lock.pk} was locked meanwhile`);
    } catch (error) {
      dropToken(token);
      throw error;
    }
    if (replacing?.token !== undefined) dropToken(replacing.token);
    startHeartbeat(file, token);
  };
  return {
    async putItem(input: unknown): Promise<Record<string, never>> {
      const taking = parse(putItem, input, 'a lock PutItem');
      const lock = {
        pk: taking.Item.pk.S,
        executionArn: taking.Item.executionArn.S,
        expiresAt: Number(taking.Item.expiresAt.N),
      };
      const held = await read(fileOf(lock.pk));
      if (taking.ConditionExpression === LOCK_CONDITIONS.takeOver) {
        const holder = taking.ExpressionAttributeValues[':holder'].S;
        if (held?.executionArn !== holder) throw conditionFailed(`${lock.pk} is no longer held by ${holder}`);
        await hold(lock, held);
        return {};
      }
      const values = taking.ExpressionAttributeValues;
      const expired = held !== undefined && held.expiresAt < Number(values[':now'].N);
      if (held !== undefined && !expired && held.executionArn !== values[':me'].S) {
        throw conditionFailed(`${lock.pk} is locked by ${held.executionArn}`);
      }
      await hold(lock, held);
      return {};
    },
    async getItem(input: unknown): Promise<{ Item?: Record<string, { S: string } | { N: string }> }> {
      const { Key } = parse(getItem, input, 'ReadLock (dynamodb:getItem)');
      const held = await read(fileOf(Key.pk.S));
      if (!held) return {};
      return {
        Item: {
          pk: { S: held.pk },
          executionArn: { S: held.executionArn },
          expiresAt: { N: String(held.expiresAt) },
        },
      };
    },
    async deleteItem(input: unknown): Promise<Record<string, never>> {
      const { Key, ExpressionAttributeValues } = parse(
        deleteItem,
        input,
        'ReleaseLock (dynamodb:deleteItem)',
      );
      const file = fileOf(Key.pk.S);
      const held = await read(file);
      if (held?.executionArn !== ExpressionAttributeValues[':me'].S) {
        throw conditionFailed(`${Key.pk.S} is not held by this run`);
      }
      if (held.token !== undefined) stopHeartbeat(held.token);
      await unlink(file);
      if (held.token !== undefined) dropToken(held.token);
      return {};
    },
    /** `sfn:describeExecution` for lock holders: RUNNING while the holding process lives (see holderState). */
    async describeExecution(input: unknown): Promise<{ Status: string }> {
      const { ExecutionArn } = parse(describe, input, 'CheckLockHolder (sfn:describeExecution)');
      const found = await findByExecution(dir, ExecutionArn);
      if (!found) {
        throw Object.assign(new Error(`Execution Does Not Exist: '${ExecutionArn}'`), {
          name: 'Sfn.ExecutionDoesNotExistException',
        });
      }
      return { Status: holderState(found.value, found.mtimeMs) === 'stale' ? 'ABORTED' : 'RUNNING' };
    },
    /**
     * Why an ingestion of `pk` was refused, for its error: who holds the lock file, its full path and when
     * deleting it is safe; undefined when nothing holds it (any more).
     */
    async refusal(pk: string): Promise<string | undefined> {
      const file = fileOf(pk);
      const found = await readLockFile(file, asLock);
      if (found === null || found === 'gone') return undefined;
      return `its lock is held by ${explainHolder(found.value, file, found.mtimeMs, `the data dir ${path.dirname(dir)}`)}`;
    },
  };
}

async function findByExecution(dir: string, executionArn: string): Promise<LockRead<LockFile> | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  for (const name of names.filter((f) => f.endsWith('.json'))) {
    const found = await readLockFile(path.join(dir, name), asLock);
    if (found !== null && found !== 'gone' && found.value.executionArn === executionArn) return found;
  }
  return undefined;
}

function parse<T>(schema: z.ZodType<T>, input: unknown, state: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new UnsupportedDefinitionError(
      `${state}: the local lock table supports only the stack's own lock item and conditions (${parsed.error.issues
        .map((i) => i.path.join('.') || i.message)
        .join(', ')})`,
    );
  }
  return parsed.data;
}

async function read(file: string): Promise<LockFile | undefined> {
  try {
    return asLock(JSON.parse(await readFile(file, 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // A torn lock file (a crash mid-write, before locks were linked into place) holds nothing: it reads as long
    // expired, so the next run replaces it.
    if (error instanceof SyntaxError) return { pk: '', executionArn: '', expiresAt: 0 };
    throw error;
  }
}

function asLock(json: unknown): LockFile {
  return typeof json === 'object' && json !== null
    ? (json as LockFile)
    : { pk: '', executionArn: '', expiresAt: 0 };
}

/** The same lock: a replacement re-checks this just before removing the file. */
function sameLock(a: LockFile, b: LockFile): boolean {
  return a.executionArn === b.executionArn && a.expiresAt === b.expiresAt && a.token === b.token;
}

function conditionFailed(message: string): Error {
  return Object.assign(new Error(`The conditional request failed: ${message}`), {
    name: CONDITIONAL_CHECK_FAILED,
  });
}
