import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { LOCK_CONDITIONS } from '#infra/ingest-states.ts';
import { UnsupportedDefinitionError } from '#map-runner/index.ts';
import { isAlive } from './process-alive.ts';

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
interface LockFile {
  pk: string;
  executionArn: string;
  expiresAt: number;
  pid?: number;
  host?: string;
}

/** DynamoDB's error name for a failed condition, which the state machine catches. */
export const CONDITIONAL_CHECK_FAILED = 'DynamoDB.ConditionalCheckFailedException';

/** Who this process is, for the locks it takes (tests pass another holder). */
export interface LockOwner {
  pid: number;
  host: string;
}

/**
 * The cloud stack's lock table and the execution check of its overlap guard, on local disk: the same
 * conditional PutItem / GetItem / DeleteItem Task states, and a describeExecution that reports a holder as
 * running only while its process lives, so a run killed with -9 does not block its catalog.
 */
export function createLocalLockTable(
  dir: string,
  owner: LockOwner = { pid: process.pid, host: os.hostname() },
) {
  const fileOf = (pk: string) =>
    path.join(dir, `${createHash('sha256').update(pk).digest('hex').slice(0, 32)}.json`);
  const write = async (lock: LockFile, exclusive: boolean) => {
    await mkdir(dir, { recursive: true });
    const file = fileOf(lock.pk);
    const body = JSON.stringify({ ...lock, ...owner });
    if (!exclusive) {
      await writeFile(`${file}.${owner.pid}.tmp`, body);
      await rename(`${file}.${owner.pid}.tmp`, file);
      return;
    }
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(body);
      await handle.close();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        throw conditionFailed(`${lock.pk} was locked meanwhile`);
      throw error;
    }
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
        await write(lock, false);
        return {};
      }
      const values = taking.ExpressionAttributeValues;
      if (held === undefined) {
        await write(lock, true);
        return {};
      }
      const expired = held.expiresAt < Number(values[':now'].N);
      if (!expired && held.executionArn !== values[':me'].S) {
        throw conditionFailed(`${lock.pk} is locked by ${held.executionArn}`);
      }
      await write(lock, false);
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
      await unlink(file);
      return {};
    },
    /** `sfn:describeExecution` for lock holders: RUNNING while the holding process lives on this machine. */
    async describeExecution(input: unknown): Promise<{ Status: string }> {
      const { ExecutionArn } = parse(describe, input, 'CheckLockHolder (sfn:describeExecution)');
      const lock = await findByExecution(dir, ExecutionArn);
      if (!lock) {
        throw Object.assign(new Error(`Execution Does Not Exist: '${ExecutionArn}'`), {
          name: 'Sfn.ExecutionDoesNotExistException',
        });
      }
      const elsewhere = lock.pid === undefined || lock.host !== os.hostname();
      return { Status: elsewhere || isAlive(lock.pid as number) ? 'RUNNING' : 'ABORTED' };
    },
  };
}

async function findByExecution(dir: string, executionArn: string): Promise<LockFile | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  for (const name of names.filter((f) => f.endsWith('.json'))) {
    const lock = await read(path.join(dir, name));
    if (lock?.executionArn === executionArn) return lock;
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
    return JSON.parse(await readFile(file, 'utf8')) as LockFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // A torn lock file (crash mid-write) holds nothing: it reads as long expired, so the next run replaces it.
    if (error instanceof SyntaxError) return { pk: '', executionArn: '', expiresAt: 0 };
    throw error;
  }
}

function conditionFailed(message: string): Error {
  return Object.assign(new Error(`The conditional request failed: ${message}`), {
    name: CONDITIONAL_CHECK_FAILED,
  });
}
