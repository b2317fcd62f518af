import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOpsSettings, openCloudOps } from '#cli/gc/cloud-ops.ts';
import { GC_REFUSED_EXIT, runGcCommand } from '#cli/gc/gc-command.ts';
import { runCloudGc } from '#cli/gc/run-cloud-gc.ts';
import { openCloudOpsPorts } from '#cloud/ops-ports.ts';
import { embeddingKey } from '#core/contracts/run-layout.ts';
import { urlRecordKey } from '#functions/download/url-record.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';
import { type S3TestServer, startS3Server } from '#test/support/s3-server.ts';
import {
  backdate,
  cloudConfig,
  cloudDeps,
  FakeExecutions,
  HOUR,
  SECRET_ARN,
  STATE_MACHINE_ARN,
  stockBucket,
} from './cloud-fixture.ts';

// gc --cloud end to end through the command, over s3rver, an in-memory store for Atlas and a fake Step Functions.

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.close();
});

const hash = (n: number) => n.toString(16).padStart(64, '0');
const bytes = (text: string) => Buffer.from(text);

/**
 * A stocked bucket plus old garbage (an orphan original with its mask, URL record and cached vector) and young
 * garbage, all unreferenced.
 */
async function bucketWithGarbage() {
  const stocked = await stockBucket(s3);
  const { bucket, blobs } = stocked;
  const oldGarbage = [
    `originals/${hash(1)}.jpg`,
    `masked/seg/mask/${hash(1)}.png`,
    urlRecordKey('https://shop.example/gone.jpg'),
    embeddingKey('test-clip', hash(1), hash(11)),
  ];
  for (const key of oldGarbage) await blobs.put(key, bytes(`garbage ${key}`));
  await backdate(s3, bucket, await blobs.list(''), 3 * 24 * HOUR);
  const youngGarbage = [`originals/${hash(2)}.jpg`, `masked/seg/mask/${hash(2)}.png`];
  for (const key of youngGarbage) await blobs.put(key, bytes(`just written ${key}`));
  return { ...stocked, oldGarbage, youngGarbage };
}

async function gc(
  args: string[],
  setup: Awaited<ReturnType<typeof bucketWithGarbage>>,
  sfn?: FakeExecutions,
) {
  const printed: string[] = [];
  const code = await runGcCommand(
    ['--cloud', ...args],
    cloudConfig(setup.bucket),
    (l) => printed.push(l),
    cloudDeps(s3, setup.store, sfn),
  );
  return { code, text: printed.join('\n') };
}

describe('threadfinder gc --cloud (s3rver, an in-memory index, a fake Step Functions)', () => {
  it('dry run: lists the garbage and its bytes, deleting nothing', async () => {
    // Prepare
    const setup = await bucketWithGarbage();
    const before = await setup.blobs.list('');
    // Act
    const { code, text } = await gc([], setup);
    // Assess
    expect(code).toBe(0);
    expect(await setup.blobs.list('')).toEqual(before);
    expect(text).toContain(`gc of s3://${setup.bucket}/ against Atlas threadfinder.products (dry run`);
    expect(text).toMatch(/originals\s+1 \(\d+ B\)\s+5 \(/);
    expect(text).toMatch(/Would free \d+ B in 4 blob\(s\)\. Run gc --apply to delete them\./);
    expect(text).toMatch(/spared 2 \(\d+ B\) that nothing references but that were written in the last 1 h/);
    expect(text).toContain(`no ingestion of ${STATE_MACHINE_ARN} was running (checked before the scan)`);
  }, 60_000);

  it('--apply deletes exactly the unreferenced blobs older than the grace period', async () => {
    // Prepare
    const setup = await bucketWithGarbage();
    const before = await setup.blobs.list('');
    // Act
    const { code, text } = await gc(['--apply'], setup);
    // Assess
    expect(code).toBe(0);
    expect(await setup.blobs.list('')).toEqual(before.filter((k) => !setup.oldGarbage.includes(k)));
    for (const key of setup.youngGarbage) expect(await setup.blobs.has(key)).toBe(true);
    expect(text).toMatch(/Deleted 4 blob\(s\), freed \d+ B\./);
    expect(text).toContain('checked before the scan and before each batch of deletions');
  }, 60_000);

  it('--grace-hours 0 lets the young garbage go too', async () => {
    // Prepare
    const setup = await bucketWithGarbage();
    // Act
    const { code, text } = await gc(['--apply', '--grace-hours', '0'], setup);
    // Assess
    expect(code).toBe(0);
    expect(text).toMatch(/Deleted 6 blob\(s\)/);
    for (const key of [...setup.oldGarbage, ...setup.youngGarbage])
      expect(await setup.blobs.has(key)).toBe(false);
    for (const p of setup.products) expect(await setup.blobs.has(p.maskedKey)).toBe(true);
  }, 60_000);

  it('refuses (exit 7), deleting nothing, while an execution of the state machine is RUNNING', async () => {
    // Prepare
    const setup = await bucketWithGarbage();
    const before = await setup.blobs.list('');
    // Act
    const { code, text } = await gc(['--apply'], setup, new FakeExecutions(() => true));
    // Assess
    expect(code).toBe(GC_REFUSED_EXIT);
    expect(text).toBe(
      `gc refused, nothing deleted: an ingestion is running: execution weekly-1 (RUNNING since 2025-05-01T08:00:00.000Z) of ${STATE_MACHINE_ARN}; run gc --cloud once it is done`,
    );
    expect(await setup.blobs.list('')).toEqual(before);
  }, 60_000);

  it('stops between batches of deletions when an ingestion starts', async () => {
    // Prepare
    const setup = await bucketWithGarbage();
    const more = [3, 4, 5].map((n) => `originals/${hash(n)}.jpg`);
    for (const key of more) await setup.blobs.put(key, bytes('old'));
    await backdate(s3, setup.bucket, more, 3 * 24 * HOUR);
    // looks: 1 before the scan, 2 before the first batch, 3 before the second: an execution has started.
    const sfn = new FakeExecutions((look) => look >= 3);
    const config = cloudConfig(setup.bucket);
    const deps = cloudDeps(s3, setup.store, sfn);
    const settings = cloudOpsSettings(config, deps.env, 'gc --cloud', { stateMachine: true });
    const ports = await openCloudOps(settings, deps);
    // Act
    const report = await runCloudGc(ports, settings, { apply: true, graceMs: HOUR, chunkSize: 2 });
    await ports.close();
    // Assess
    expect(report.garbage.blobs).toBe(7);
    expect(report.deleted?.blobs).toBe(2);
    expect(report.stoppedEarly).toMatch(/^an ingestion is running: execution weekly-1 /);
    const left = [...setup.oldGarbage, ...more];
    expect((await Promise.all(left.map((k) => setup.blobs.has(k)))).filter(Boolean)).toHaveLength(5);
  }, 60_000);

  it('refuses (exit 7) when the index holds no product, rather than delete every image', async () => {
    // Prepare
    const setup = await bucketWithGarbage();
    const before = await setup.blobs.list('');
    // Act
    const { code, text } = await gc(['--apply'], { ...setup, store: new MemoryVectorStore() });
    // Assess
    expect(code).toBe(GC_REFUSED_EXIT);
    expect(text).toContain(
      'Atlas threadfinder.products holds no product: gc keeps what the index references',
    );
    expect(await setup.blobs.list('')).toEqual(before);
  }, 60_000);
});

describe('gc --cloud faults name the resource and the setting', () => {
  const awsError = (name: string, status: number, message = name) =>
    Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });

  it('a bucket that does not exist', async () => {
    // Prepare
    const store = new MemoryVectorStore();
    // Act
    const run = runGcCommand(['--cloud'], cloudConfig('tf-no-such-bucket'), () => {}, cloudDeps(s3, store));
    // Assess
    await expect(run).rejects.toThrow(
      'the bucket tf-no-such-bucket does not exist (in this account and region): check THREADFINDER_BUCKET against the stack output BucketName',
    );
  });

  it('access denied to the bucket', async () => {
    // Prepare
    const denied = {
      send: async () => {
        throw awsError('AccessDenied', 403, 'Access Denied');
      },
      destroy: () => {},
    } as unknown as S3Client;
    const deps = cloudDeps(s3, new MemoryVectorStore(), undefined, { s3Client: denied });
    // Act
    const run = runGcCommand(['--cloud'], cloudConfig('tf-data'), () => {}, deps);
    // Assess
    await expect(run).rejects.toThrow('access denied while listing the bucket s3://tf-data/: Access Denied');
  });

  it('a state machine that does not exist', async () => {
    // Prepare
    const setup = await bucketWithGarbage();
    const missing = {
      send: async () => {
        throw awsError('StateMachineDoesNotExist', 400, 'State Machine Does Not Exist');
      },
    };
    // Act
    const run = runGcCommand(
      ['--cloud'],
      cloudConfig(setup.bucket),
      () => {},
      cloudDeps(s3, setup.store, missing),
    );
    // Assess
    await expect(run).rejects.toThrow(
      `the state machine ${STATE_MACHINE_ARN} does not exist: check THREADFINDER_STATE_MACHINE_ARN against the stack output StateMachineArn`,
    );
  }, 60_000);

  it('a secret that does not exist; MONGODB_URI is taken instead of the secret when set', async () => {
    // Prepare
    const config = cloudConfig('tf-data');
    const env = { THREADFINDER_STATE_MACHINE_ARN: STATE_MACHINE_ARN };
    const viaSecret = cloudOpsSettings(config, env, 'gc --cloud', { stateMachine: true });
    const viaUri = cloudOpsSettings(config, { ...env, MONGODB_URI: 'mongodb://127.0.0.1:9/' }, 'gc --cloud', {
      stateMachine: true,
    });
    const secrets = {
      send: async () => {
        throw awsError('ResourceNotFoundException', 400, "Secrets Manager can't find the specified secret.");
      },
    };
    // Act
    const run = openCloudOps(viaSecret, {
      open: (s) => openCloudOpsPorts(s, { s3: s3.client, secrets }),
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    const ports = await openCloudOpsPorts(viaUri, { s3: s3.client, sfn: new FakeExecutions() });
    await ports.close();
    // Assess
    expect(String(await run)).toContain(
      `the secret ${SECRET_ARN} does not exist or holds no value yet: check THREADFINDER_MONGODB_SECRET_ARN against the stack output MongoSecretArn, or set MONGODB_URI`,
    );
    expect(viaUri.mongo).toEqual({ uri: 'mongodb://127.0.0.1:9/' });
    expect(viaUri.region).toBe('eu-west-1');
    expect(ports.storeWhere).toBe('Atlas threadfinder.products');
    expect(ports.ingestions?.where).toBe(STATE_MACHINE_ARN);
  });
});
