import { createHash } from 'node:crypto';
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import type { ListExecutionsCommand, ListExecutionsCommandOutput } from '@aws-sdk/client-sfn';
import { S3BlobStore } from '#adapters/s3-blob-store.ts';
import type { ExecutionLister } from '#cloud/ops-ports.ts';
import { type CloudOpsPorts, type CloudOpsSettings, openCloudOpsPorts } from '#cloud/ops-ports.ts';
import { type Config, loadConfig } from '#core/config.ts';
import { normalize } from '#core/vectors.ts';
import { urlRecordKey } from '#functions/download/url-record.ts';
import { findModel, STAND_IN_EMBED_MODEL } from '#models/registry.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';
import { drawImage } from '#test/support/misbehaving-server.ts';
import type { S3TestServer } from '#test/support/s3-server.ts';

// The deployed stack's data as `check --cloud` and `gc --cloud` see it, without AWS or Atlas: the bucket on
// s3rver, an in-memory VectorStore standing in for Atlas (MongoVectorStore has its own contract suite), and a
// fake Step Functions that lists running executions.

export const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:tf-ingest';
export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tf-atlas';
export const HOUR = 3600 * 1000;

/** The stand-in embedding model the check command expects under THREADFINDER_MODELS=test. */
const MODEL = { model: STAND_IN_EMBED_MODEL, dim: (findModel(STAND_IN_EMBED_MODEL) as { dim: number }).dim };

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What the fixture stored for one product. */
export interface CloudProduct {
  id: string;
  url: string;
  originalKey: string;
  maskedKey: string;
}

/**
 * A bucket as ingestions leave it: `count` products with one image each (original, mask, URL record, all
 * decoding), one finished run `run-1` and an uploaded catalog; the products in an in-memory store.
 */
export async function stockBucket(s3: S3TestServer, count = 4) {
  const bucket = await s3.createBucket();
  const blobs = new S3BlobStore({ bucket, client: s3.client });
  const store = new MemoryVectorStore();
  await store.bind(MODEL);
  const products: CloudProduct[] = [];
  for (let i = 0; i < count; i++) {
    const original = await drawImage('jpeg', 40 + i, 30);
    const originalKey = `originals/${sha(original)}.jpg`;
    const maskedKey = `masked/seg/mask/${sha(original)}.png`;
    const url = `https://shop.example/img/${i}.jpg`;
    await blobs.put(originalKey, original);
    await blobs.put(maskedKey, await drawImage('png', 40 + i, 30));
    await blobs.put(urlRecordKey(url), Buffer.from(JSON.stringify({ url, originalKey })));
    products.push({ id: `p${i}`, url, originalKey, maskedKey });
  }
  const vector = (i: number) => normalize(Array.from({ length: MODEL.dim }, (_, d) => (d === i ? 2 : 1)));
  await store.upsert(
    products.map((p, i) => ({
      id: p.id,
      vector: vector(i),
      images: [p.url],
      maskedKeys: [p.maskedKey],
      metadata: { name: `product ${p.id}` },
      imagesUsed: 1,
    })),
  );
  const items = products.map((p) => ({
    id: p.id,
    metadata: {},
    images: [{ url: p.url, status: 'pending' }],
  }));
  await blobs.put('runs/run-1/items.json', Buffer.from(JSON.stringify(items)));
  await blobs.put(
    'runs/run-1/products.json',
    Buffer.from(JSON.stringify({ ids: products.map((p) => p.id) })),
  );
  await blobs.put('runs/run-1/summary.json', Buffer.from('{"runId":"run-1"}'));
  await blobs.put('runs/run-1/embedded/b1.json', Buffer.from('{"products":[]}'));
  await blobs.put('catalogs/shop.csv', Buffer.from('product_id,image_url\n'));
  return { bucket, blobs, store, products };
}

/** Sets an object's Last-Modified back by `ms` (s3rver takes it from its file's modification time). */
export async function backdate(s3: S3TestServer, bucket: string, keys: string[], ms: number): Promise<void> {
  const when = new Date(Date.now() - ms);
  for (const key of keys) {
    await utimes(path.join(s3.directory, bucket, `${key}._S3rver_object`), when, when);
  }
}

/**
 * Step Functions listing executions: `running(call)` says whether an execution is RUNNING at the n-th look
 * (1-based; one look is the RUNNING and PENDING_REDRIVE listings together).
 */
export class FakeExecutions implements ExecutionLister {
  looks = 0;

  constructor(private readonly running: (look: number) => boolean = () => false) {}

  async send(command: ListExecutionsCommand): Promise<ListExecutionsCommandOutput> {
    const status = command.input.statusFilter;
    if (status === 'RUNNING') this.looks++;
    const executions =
      status === 'RUNNING' && this.running(this.looks)
        ? [
            {
              executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:weekly-1`,
              stateMachineArn: STATE_MACHINE_ARN,
              name: 'weekly-1',
              status: 'RUNNING' as const,
              startDate: new Date('2025-05-01T08:00:00Z'),
            },
          ]
        : [];
    return { executions, $metadata: {} };
  }
}

/** Settings as a workstation exports them (the stack's outputs). */
export function cloudConfig(bucket: string): Config {
  return loadConfig({
    THREADFINDER_MODELS: 'test',
    THREADFINDER_BUCKET: bucket,
    THREADFINDER_MONGODB_SECRET_ARN: SECRET_ARN,
  });
}

/** The commands' dependencies over the fakes: the real wiring (`openCloudOpsPorts`) with injected clients. */
export function cloudDeps(
  s3: S3TestServer,
  store: MemoryVectorStore,
  sfn: ExecutionLister = new FakeExecutions(),
  overrides: { s3Client?: CloudOpsPortsClient; now?: () => number } = {},
) {
  return {
    env: { THREADFINDER_STATE_MACHINE_ARN: STATE_MACHINE_ARN },
    open: (settings: CloudOpsSettings): Promise<CloudOpsPorts> =>
      openCloudOpsPorts(settings, { s3: overrides.s3Client ?? s3.client, store, sfn }),
    ...(overrides.now ? { now: overrides.now } : {}),
  };
}

type CloudOpsPortsClient = S3TestServer['client'];
