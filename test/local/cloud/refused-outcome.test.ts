import { describe, expect, it } from 'vitest';
import { runCloudIngest } from '#cli/cloud-ingest/run-cloud-ingest.ts';
import { FakeS3, FakeSfn, fakeDeps, STATE_MACHINE_ARN } from './fakes.ts';

const BUCKET = 'tf-data-bucket';
const ENV = { THREADFINDER_STATE_MACHINE_ARN: STATE_MACHINE_ARN, THREADFINDER_BUCKET: BUCKET };

describe('runCloudIngest, refused by the overlap guard', () => {
  it('explains a SUCCEEDED execution that refused (AlreadyRunning in its output) and exits 7 (refused), as a local one does', async () => {
    // Prepare: the refusal is not a failed execution (no alarm), but the command still did nothing
    const s3 = new FakeS3();
    s3.put(BUCKET, 'catalogs/spring.csv', 'id,image\n');
    const refused = { error: 'AlreadyRunning', cause: 'another ingestion of this catalog is running' };
    const sfn = new FakeSfn([{ status: 'SUCCEEDED', output: { prepared: {}, refused } }]);
    const { deps, out } = fakeDeps(sfn, s3);
    // Act
    const result = await runCloudIngest({ catalog: `s3://${BUCKET}/catalogs/spring.csv`, env: ENV }, deps);
    // Assess
    expect(result.exitCode).toBe(7);
    expect(out.text).toContain('Another ingestion of this catalog is still running');
    expect(out.text).not.toContain('Products stored');
  });
});
