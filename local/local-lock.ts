import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UnsupportedDefinitionError } from './state-machine/index.ts';

/** The state machine's lock conditions (infra/ingest-workflow.ts); anything else is refused, not guessed. */
const ACQUIRE_CONDITION = 'attribute_not_exists(pk) OR expiresAt < :now';
const RELEASE_CONDITION = 'executionArn = :me';

const s = z.object({ S: z.string().min(1) });
const n = z.object({ N: z.string().regex(/^\d+$/) });
const putItem = z.object({
  Item: z.object({ pk: s, executionArn: s, expiresAt: n }),
  ConditionExpression: z.literal(ACQUIRE_CONDITION),
  ExpressionAttributeValues: z.object({ ':now': n }),
});
const deleteItem = z.object({
  Key: z.object({ pk: s }),
  ConditionExpression: z.literal(RELEASE_CONDITION),
  ExpressionAttributeValues: z.object({ ':me': s }),
});

interface LockFile {
  pk: string;
  executionArn: string;
  expiresAt: number;
}

/** DynamoDB's error name for a failed condition, which the state machine catches. */
export const CONDITIONAL_CHECK_FAILED = 'DynamoDB.ConditionalCheckFailedException';

/**
 * The lock table of the cloud stack, on local disk: the AcquireLock (PutItem) and ReleaseLock (DeleteItem)
 * Task states get the same conditions, so two local ingestions of one catalog do not overlap either.
 */
export function createLocalLockTable(dir: string) {
  const fileOf = (pk: string) =>
    path.join(dir, `${createHash('sha256').update(pk).digest('hex').slice(0, 32)}.json`);
  return {
    async putItem(input: unknown): Promise<Record<string, never>> {
      const { Item, ExpressionAttributeValues } = parse(putItem, input, 'AcquireLock (dynamodb:putItem)');
      const lock: LockFile = {
        pk: Item.pk.S,
        executionArn: Item.executionArn.S,
        expiresAt: Number(Item.expiresAt.N),
      };
      const file = fileOf(lock.pk);
      await mkdir(dir, { recursive: true });
      const held = await read(file);
      if (held && !(held.expiresAt < Number(ExpressionAttributeValues[':now'].N))) {
        throw conditionFailed(
          `${lock.pk} is locked by ${held.executionArn} until ${new Date(held.expiresAt * 1000).toISOString()}`,
        );
      }
      if (held) {
        // An expired lock is replaced atomically.
        await writeFile(`${file}.tmp`, JSON.stringify(lock));
        await rename(`${file}.tmp`, file);
        return {};
      }
      try {
        const handle = await open(file, 'wx');
        await handle.writeFile(JSON.stringify(lock));
        await handle.close();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST')
          throw conditionFailed(`${lock.pk} was locked meanwhile`);
        throw error;
      }
      return {};
    },
    async deleteItem(input: unknown): Promise<Record<string, never>> {
      const { Key, ExpressionAttributeValues } = parse(
        deleteItem,
        input,
        'ReleaseLock (dynamodb:deleteItem)',
      );
      const file = fileOf(Key.pk.S);
      const held = await read(file);
      if (held?.executionArn !== ExpressionAttributeValues[':me'].S)
        throw conditionFailed(`${Key.pk.S} is not held by this run`);
      await unlink(file);
      return {};
    },
  };
}

function parse<T>(schema: z.ZodType<T>, input: unknown, state: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new UnsupportedDefinitionError(
      `${state}: the local lock table supports only the stack's own lock item and conditions (${parsed.error.issues
        .map((i) => i.path.join('.'))
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
