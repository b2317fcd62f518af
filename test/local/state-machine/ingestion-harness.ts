import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import type {
  ChildExecutionRecord,
  MapRunManifest,
  ResultWriterDetails,
  TaskHandler,
} from '#map-runner/index.ts';

/** The fixture definition, typed for the edits tests make to it. */
export interface FixtureDefinition {
  StartAt: string;
  States: Record<string, FixtureState>;
}
export interface FixtureState {
  Type: string;
  ItemBatcher?: { MaxItemsPerBatch?: number; MaxInputBytesPerBatch?: number };
  ItemProcessor?: FixtureDefinition;
  MaxConcurrency?: number;
  ToleratedFailurePercentage?: number;
  Catch?: unknown[];
  [field: string]: unknown;
}

/** The hand-written ingestion definition, shaped like the contract (workflow.md), as a fresh object. */
export function ingestionDefinition(): FixtureDefinition {
  return JSON.parse(readFileSync(new URL('./fixtures/ingestion.asl.json', import.meta.url), 'utf8'));
}

/** The EmbedProducts Distributed Map of a fixture definition. */
export function embedMap(definition: FixtureDefinition): FixtureState & { ItemProcessor: FixtureDefinition } {
  return definition.States.EmbedProducts as FixtureState & { ItemProcessor: FixtureDefinition };
}

/** Catalog products as Prepare writes them to the items file. */
export function products(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: `p${i}`,
    metadata: { title: `Product ${i}` },
    images: [{ url: `https://img.test/p${i}.jpg`, status: 'pending' }],
  }));
}

/** An error the way a Lambda handler throws it: Step Functions matches on `name`. */
export function namedError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** A child execution's input: one batch of items. */
export type BatchInputShape = { Items: { id: string }[]; BatchInput: { runId: string } };
type StageBatch = { runId: string; items: { id: string }[] };
type Attribute = { S?: string; N?: string };
type LockRequest = {
  Item: Record<string, Attribute>;
  Key: Record<string, Attribute>;
  ExpressionAttributeValues: Record<string, Attribute>;
};

/** Fake stage handlers over a temporary FsBlobStore; each call's input is recorded by state name. */
export async function createHarness(catalog = products(45)) {
  const dir = await mkdtemp(path.join(tmpdir(), 'tf-sm-'));
  const blobs = new FsBlobStore(dir);
  const calls: Record<string, unknown[]> = {};
  const locks = new Map<string, { executionArn: string; expiresAt: number }>();
  const base: Record<string, TaskHandler> = {
    Prepare: async (input) => {
      const event = input as { runId: string; catalogKey: string };
      const itemsKey = `runs/${event.runId}/items.json`;
      await blobs.put(itemsKey, Buffer.from(JSON.stringify(catalog)));
      const now = 1_700_000_000;
      return {
        runId: event.runId,
        catalogKey: event.catalogKey,
        itemsKey,
        products: catalog.length,
        now,
        lockExpiresAt: now + 3600,
      };
    },
    AcquireLock: async (input) => {
      const params = input as LockRequest;
      const pk = String(params.Item.pk?.S);
      const held = locks.get(pk);
      if (held && held.expiresAt >= Number(params.ExpressionAttributeValues[':now']?.N)) {
        throw namedError('DynamoDB.ConditionalCheckFailedException', 'The conditional request failed');
      }
      locks.set(pk, {
        executionArn: String(params.Item.executionArn?.S),
        expiresAt: Number(params.Item.expiresAt?.N),
      });
      return {};
    },
    Download: async (input) => {
      const batch = input as BatchInputShape;
      return { runId: batch.BatchInput.runId, items: batch.Items };
    },
    Segment: async (batch) => batch,
    Embed: async (input) => {
      const batch = input as StageBatch;
      const first = batch.items[0]?.id;
      const n = batch.items.length;
      return {
        runId: batch.runId,
        key: `runs/${batch.runId}/embeddings/${first}.json`,
        products: n,
        imagesOk: n,
        imagesFailed: 0,
      };
    },
    Aggregate: async (input) => {
      const event = input as { runId: string; results: ResultWriterDetails };
      const { succeeded, failed, pending } = await readResults(blobs, event.results);
      return {
        runId: event.runId,
        succeeded: succeeded.length,
        failed: failed.length,
        pending: pending.length,
      };
    },
    AggregateEmbedded: async (input) => ({ runId: (input as { runId: string }).runId, failed: true }),
    ReleaseLock: async (input) => release(locks, input as LockRequest),
    ReleaseLockAfterFailure: async (input) => release(locks, input as LockRequest),
  };
  const handlers = (overrides: Record<string, TaskHandler> = {}): Record<string, TaskHandler> => {
    const all: Record<string, TaskHandler> = {};
    for (const [name, handler] of Object.entries({ ...base, ...overrides })) {
      all[name] = async (input) => {
        calls[name] = [...(calls[name] ?? []), input];
        return handler(input);
      };
    }
    return all;
  };
  const retryIntervalOverrides = Object.fromEntries(Object.keys(base).map((name) => [name, 0]));
  return {
    dir,
    blobs,
    calls,
    locks,
    handlers,
    retryIntervalOverrides,
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

function release(locks: Map<string, { executionArn: string }>, params: LockRequest): object {
  const pk = String(params.Key.pk?.S);
  if (locks.get(pk)?.executionArn !== params.ExpressionAttributeValues[':arn']?.S) {
    throw namedError('DynamoDB.ConditionalCheckFailedException', 'not our lock');
  }
  locks.delete(pk);
  return {};
}

/** Reads a Map Run's manifest and result files, as the aggregate stage does. */
export async function readResults(blobs: FsBlobStore, details: ResultWriterDetails) {
  const manifest = JSON.parse(Buffer.from(await blobs.get(details.Key)).toString()) as MapRunManifest;
  const read = async (status: 'SUCCEEDED' | 'FAILED' | 'PENDING') => {
    const entries: ChildExecutionRecord[] = [];
    for (const file of manifest.ResultFiles[status]) {
      entries.push(
        ...(JSON.parse(Buffer.from(await blobs.get(file.Key)).toString()) as ChildExecutionRecord[]),
      );
    }
    return entries;
  };
  return {
    manifest,
    succeeded: await read('SUCCEEDED'),
    failed: await read('FAILED'),
    pending: await read('PENDING'),
  };
}
