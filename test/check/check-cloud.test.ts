import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_DAMAGE_EXIT, runCheckCommand } from '#cli/check/check-command.ts';
import { checkCloud } from '#cli/check/run-cloud-check.ts';
import { cloudOpsSettings, openCloudOps } from '#cli/gc/cloud-ops.ts';
import { urlRecordKey } from '#functions/download/url-record.ts';
import { DEFAULT_EMBED_MODEL, findModel, STAND_IN_EMBED_MODEL } from '#models/registry.ts';
import {
  cloudConfig,
  cloudDeps,
  FakeExecutions,
  STATE_MACHINE_ARN,
  stockBucket,
} from '#test/gc/cloud-fixture.ts';
import { type S3TestServer, startS3Server } from '#test/support/s3-server.ts';

// check --cloud over s3rver (the bucket), an in-memory VectorStore (Atlas) and a fake Step Functions.

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.close();
});

type Stocked = Awaited<ReturnType<typeof stockBucket>>;
const DIM = (findModel(STAND_IN_EMBED_MODEL) as { dim: number }).dim;

async function check(args: string[], setup: Stocked, sfn?: FakeExecutions) {
  const printed: string[] = [];
  const code = await runCheckCommand(
    ['--cloud', ...args],
    cloudConfig(setup.bucket),
    (l) => printed.push(l),
    cloudDeps(s3, setup.store, sfn),
  );
  return { code, text: printed.join('\n') };
}

describe('threadfinder check --cloud', () => {
  it('finds nothing wrong in a sound bucket, says what it counted and that it changed nothing', async () => {
    // Prepare
    const setup = await stockBucket(s3);
    const before = await setup.blobs.list('');
    // Act
    const { code, text } = await check([], setup);
    // Assess
    expect(code).toBe(0);
    expect(text).toMatch(
      new RegExp(
        `^Checked s3://${setup.bucket}/ and Atlas threadfinder.products in \\d+\\.\\d s: 4 indexRecords, 4 products, 4 urlRecords, 1 runs, 8 imageBlobs\n`,
      ),
    );
    expect(text).toContain('Read-only: nothing in the bucket or in Atlas was changed');
    expect(text).toContain('Images were checked to exist (one HEAD each), not decoded');
    expect(text).toContain(`No execution of ${STATE_MACHINE_ARN} was running`);
    expect(text).toContain(`Model: ${STAND_IN_EMBED_MODEL} (dim ${DIM}), the model Atlas is bound to;`);
    expect(text).toContain('OK: no damage found.');
    expect(await setup.blobs.list('')).toEqual(before);
  }, 60_000);

  it('finds a missing masked image and a URL record pointing nowhere (exit 6), and reports the counts', async () => {
    // Prepare
    const setup = await stockBucket(s3);
    await setup.blobs.delete(setup.products[1]?.maskedKey ?? '');
    const lost = 'https://shop.example/img/lost.jpg';
    const nowhere = `originals/${'d'.repeat(64)}.jpg`;
    await setup.blobs.put(
      urlRecordKey(lost),
      Buffer.from(JSON.stringify({ url: lost, originalKey: nowhere })),
    );
    const before = await setup.blobs.list('');
    // Act
    const { code, text } = await check([], setup);
    // Assess
    expect(code).toBe(CHECK_DAMAGE_EXIT);
    expect(text).toContain(': 4 indexRecords, 4 products, 5 urlRecords, 1 runs, 8 imageBlobs');
    expect(text).toContain(
      `damage [products] ${setup.products[1]?.maskedKey}: masked image of product p1 is missing`,
    );
    expect(text).toContain(
      `damage [url-records] ${urlRecordKey(lost)}: points to ${nowhere}, which does not exist (URL ${lost})`,
    );
    expect(text).toContain('DAMAGED: 2 finding(s); 1 product(s) affected.');
    expect(text).toContain('check --cloud repairs nothing');
    expect(text).toContain(
      'Ingest a catalog that lists the affected products (p1) with threadfinder ingest --cloud',
    );
    expect(await setup.blobs.list('')).toEqual(before);
  }, 60_000);

  it('--decode finds an original that does not decode, which the existence check passes', async () => {
    // Prepare
    const setup = await stockBucket(s3);
    await setup.blobs.put(setup.products[2]?.originalKey ?? '', Buffer.from('not a jpeg'));
    // Act
    const present = await check([], setup);
    const decoded = await check(['--decode'], setup);
    // Assess
    expect(present.code).toBe(0);
    expect(decoded.code).toBe(CHECK_DAMAGE_EXIT);
    expect(decoded.text).toContain('Images were downloaded and fully decoded.');
    expect(decoded.text).toContain(
      `damage [products] ${setup.products[2]?.originalKey}: original of product p2 is undecodable`,
    );
  }, 60_000);

  it('names a running ingestion, whose writes may show as damage', async () => {
    // Prepare
    const setup = await stockBucket(s3);
    // Act
    const { code, text } = await check([], setup, new FakeExecutions(() => true));
    // Assess
    expect(code).toBe(0);
    expect(text).toContain(
      `Note: execution weekly-1 (RUNNING since 2025-05-01T08:00:00.000Z) of ${STATE_MACHINE_ARN} was running; what it is writing may show as damage.`,
    );
  }, 60_000);

  it('still checks when Step Functions denies the look for running ingestions, and says so', async () => {
    // Prepare
    const setup = await stockBucket(s3);
    const denied = {
      send: async () => {
        throw Object.assign(new Error('User is not authorized to perform states:ListExecutions'), {
          name: 'AccessDeniedException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      },
    };
    const printed: string[] = [];
    // Act
    const code = await runCheckCommand(
      ['--cloud'],
      cloudConfig(setup.bucket),
      (l) => printed.push(l),
      cloudDeps(s3, setup.store, denied),
    );
    // Assess
    expect(code).toBe(0);
    expect(printed.join('\n')).toContain(
      `Whether an ingestion was running is unknown: access denied while listing the running executions of ${STATE_MACHINE_ARN}: User is not authorized`,
    );
  }, 60_000);

  it('reads the bucket a page at a time: a run spread over pages is one run, and the counts agree', async () => {
    // Prepare
    const setup = await stockBucket(s3, 5);
    const config = cloudConfig(setup.bucket);
    const deps = cloudDeps(s3, setup.store);
    const settings = cloudOpsSettings(config, deps.env, 'check --cloud', { stateMachine: false });
    const ports = await openCloudOps(settings, deps);
    const model = { id: STAND_IN_EMBED_MODEL, dim: DIM };
    // Act
    const report = await checkCloud(ports, settings, model, { decode: false, pageSize: 2 });
    await ports.close();
    // Assess
    expect(report.findings).toEqual([]);
    expect(report.checked).toEqual({ indexRecords: 5, products: 5, urlRecords: 5, runs: 1, imageBlobs: 10 });
  }, 60_000);

  it('finds an index bound to another model than --embed-model, or to one the registry does not know', async () => {
    // Prepare
    const setup = await stockBucket(s3, 1);
    const unknown = await stockBucket(s3, 1);
    await unknown.store.delete(['p0']);
    await unknown.store.bind({ model: 'other-model', dim: 3 });
    // Act
    const chosen = await check(['--embed-model', DEFAULT_EMBED_MODEL], setup);
    const other = await check([], unknown);
    // Assess
    expect(chosen.code).toBe(CHECK_DAMAGE_EXIT);
    expect(chosen.text).toContain(
      `damage [index] Atlas threadfinder.products: bound to model ${STAND_IN_EMBED_MODEL} (dim ${DIM}) but the configured model is ${DEFAULT_EMBED_MODEL}`,
    );
    expect(other.code).toBe(CHECK_DAMAGE_EXIT);
    expect(other.text).toContain(
      `damage [index] Atlas threadfinder.products: bound to model other-model (dim 3) but the configured model is ${STAND_IN_EMBED_MODEL}`,
    );
  }, 60_000);
});
