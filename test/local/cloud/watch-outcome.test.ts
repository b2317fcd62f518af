import { describe, expect, it } from 'vitest';
import { executionName, runCloudIngest } from '#cli/cloud-ingest/run-cloud-ingest.ts';
import { awsError, FakeS3, FakeSfn, fakeDeps, STATE_MACHINE_ARN, type Step } from './fakes.ts';

const BUCKET = 'tf-data-bucket';
const ENV = { THREADFINDER_STATE_MACHINE_ARN: STATE_MACHINE_ARN, THREADFINDER_BUCKET: BUCKET };
const CATALOG = `s3://${BUCKET}/catalogs/spring.csv`;
const ITEMS = { total: 4, pending: 0, running: 0, succeeded: 4, failed: 0 };
const summary = (extra: object = {}) => ({
  runId: 'r',
  summaryKey: 'runs/r/summary.json',
  productsStored: 4,
  batchesStored: 1,
  batchesFailed: 0,
  ...extra,
});

function withCatalog(): FakeS3 {
  const s3 = new FakeS3();
  s3.put(BUCKET, 'catalogs/spring.csv', 'id,image\n');
  return s3;
}

describe('runCloudIngest outcomes', () => {
  it('explains the overlap guard and exits 7 (refused)', async () => {
    const sfn = new FakeSfn([
      { status: 'FAILED', error: 'AlreadyRunning', cause: 'another ingestion is running' },
    ]);
    const { deps, out } = fakeDeps(sfn, withCatalog());

    const result = await runCloudIngest({ catalog: CATALOG, env: ENV }, deps);

    expect(result).toMatchObject({ status: 'FAILED', exitCode: 7 });
    expect(out.text).toContain('Another ingestion of this catalog is still running');
    expect(out.text).toContain(
      `aws stepfunctions list-executions --state-machine-arn ${STATE_MACHINE_ARN} --status-filter RUNNING`,
    );
  });

  it('prints error and cause of a failed execution, and what it stored when the aggregate wrote a summary', async () => {
    const lambdaCause = JSON.stringify({
      errorType: 'MongoServerError',
      errorMessage: 'bad auth',
      trace: ['x'],
    });
    const sfn = new FakeSfn([{ status: 'FAILED', error: 'IngestionIncomplete', cause: lambdaCause }]);
    const s3 = withCatalog();
    const { deps, out } = fakeDeps(sfn, s3);
    const key = `runs/${executionName(Date.UTC(2025, 0, 2, 3, 4, 5), 'abcd1234')}/summary.json`;
    s3.put(
      BUCKET,
      key,
      JSON.stringify(summary({ productsStored: 3, batchesFailed: [{ key: 'b1', error: 'boom' }] })),
    );

    const result = await runCloudIngest({ catalog: CATALOG, env: ENV }, deps);

    expect(result.exitCode).toBe(1);
    expect(out.text).toContain('Error: IngestionIncomplete');
    expect(out.text).toContain('Cause: MongoServerError: bad auth');
    expect(out.text).toContain(`Products embedded before the failure are stored: s3://${BUCKET}/${key}`);
    expect(out.text).toMatch(
      /What this run stored:\nProducts stored: 3\nBatches: 1 stored, 1 failed to store\n {2}b1: boom/,
    );
  });

  it.each<[string, Step, number, RegExp]>([
    ['a clean run', { status: 'SUCCEEDED', output: { aggregate: summary() } }, 0, /Products stored: 4/],
    [
      'a run with a failed batch',
      { status: 'SUCCEEDED', output: { aggregate: summary({ batchesFailed: 1 }) } },
      4,
      /1 failed to store/,
    ],
    [
      'a run that stored nothing',
      { status: 'SUCCEEDED', output: { aggregate: summary({ productsStored: 0 }) } },
      4,
      /Products stored: 0/,
    ],
    [
      'an output without the summary',
      { status: 'SUCCEEDED', output: { other: 1 } },
      4,
      /no summary at \$\.aggregate/,
    ],
    [
      'a timed-out run',
      { status: 'TIMED_OUT', error: 'States.Timeout' },
      1,
      /Execution TIMED_OUT.*\nError: States.Timeout/,
    ],
    ['an aborted run', { status: 'ABORTED' }, 1, /Execution ABORTED/],
  ])('exits as the CLI does for %s', async (_name, step, exitCode, message) => {
    const { deps, out } = fakeDeps(
      new FakeSfn([{ ...step, items: ITEMS, mapStatus: 'SUCCEEDED' }]),
      withCatalog(),
    );

    const result = await runCloudIngest({ catalog: CATALOG, env: ENV }, deps);

    expect(result.exitCode).toBe(exitCode);
    expect(out.text).toMatch(message);
  });
});

describe('watching', () => {
  const done: Step = {
    status: 'SUCCEEDED',
    items: ITEMS,
    mapStatus: 'SUCCEEDED',
    output: { aggregate: summary() },
  };

  it('retries throttled polls with a growing, jittered wait and carries on', async () => {
    const sfn = new FakeSfn([{ status: 'RUNNING', items: { ...ITEMS, succeeded: 1, pending: 3 } }, done]);
    sfn.failures.add('DescribeExecution', awsError('ThrottlingException'), awsError('ThrottlingException'));
    sfn.failures.add('DescribeMapRun', awsError('ServiceUnavailable', 503, 'server'));
    const { deps, sleeps } = fakeDeps(sfn, withCatalog());

    const result = await runCloudIngest({ catalog: CATALOG, env: ENV }, deps);

    expect(result.exitCode).toBe(0);
    // 1 s then 2 s caps, half fixed and half jitter (random 0.5): 750 and 1500 ms; then the poll interval
    expect(sleeps).toEqual([750, 1500, 750, 5000]);
    expect(sfn.names().filter((n) => n === 'DescribeExecution')).toHaveLength(4);
  });

  it('gives up on throttling after eight tries', async () => {
    const sfn = new FakeSfn([done]);
    sfn.failures.add(
      'DescribeExecution',
      ...Array.from({ length: 8 }, () => awsError('ThrottlingException')),
    );
    const { deps } = fakeDeps(sfn, withCatalog());

    await expect(runCloudIngest({ catalog: CATALOG, env: ENV }, deps)).rejects.toThrow(
      /watching the execution failed: ThrottlingException/,
    );
  });

  it('stops watching on Ctrl-C without stopping the execution, and says how to watch or stop it', async () => {
    const controller = new AbortController();
    const sfn = new FakeSfn([{ status: 'RUNNING', items: { ...ITEMS, succeeded: 1, pending: 3 } }]);
    const { deps, out } = fakeDeps(sfn, withCatalog(), { onSleep: (n) => n === 2 && controller.abort() });

    const result = await runCloudIngest({ catalog: CATALOG, env: ENV, signal: controller.signal }, deps);

    expect(result).toMatchObject({ status: 'WATCH_STOPPED', exitCode: 130 });
    expect(sfn.names()).not.toContain('StopExecution');
    expect(sfn.names().filter((n) => n === 'DescribeExecution')).toHaveLength(2);
    expect(out.text).toContain('Stopped watching; the execution keeps running.');
    expect(out.text).toContain(`threadfinder ingest --cloud --watch ${sfn.executionArn}`);
    expect(out.text).toContain(`aws stepfunctions stop-execution --execution-arn ${sfn.executionArn}`);
  });

  it('re-attaches to an execution by ARN without uploading or starting anything', async () => {
    const sfn = new FakeSfn([done]);
    const { deps, s3, out } = fakeDeps(sfn);

    const result = await runCloudIngest({ watch: sfn.executionArn, env: ENV }, deps);

    expect(result.exitCode).toBe(0);
    expect(s3.names()).toEqual([]);
    expect(sfn.names()).toEqual(['DescribeExecution', 'ListMapRuns', 'DescribeMapRun']);
    expect(out.text).toContain(`Full summary: s3://${BUCKET}/runs/r/summary.json`);
  });

  it('refuses a --watch value that is not an execution ARN, and one that does not exist', async () => {
    const sfn = new FakeSfn([done]);
    sfn.failures.add('DescribeExecution', awsError('ExecutionDoesNotExist'));
    const { deps } = fakeDeps(sfn);

    await expect(runCloudIngest({ watch: STATE_MACHINE_ARN }, deps)).rejects.toThrow(/not an execution ARN/);
    await expect(runCloudIngest({ watch: sfn.executionArn }, deps)).rejects.toThrow(/no such execution/);
  });

  it('keeps watching without progress when the Map Run cannot be read', async () => {
    const sfn = new FakeSfn([{ status: 'RUNNING' }, done]);
    sfn.failures.add('ListMapRuns', awsError('AccessDeniedException'));
    const { deps, out } = fakeDeps(sfn, withCatalog());

    const result = await runCloudIngest({ catalog: CATALOG, env: ENV }, deps);

    expect(result.exitCode).toBe(0);
    expect(out.text).toContain("(cannot read the Map Run's progress: AccessDeniedException (fake))");
    expect(out.text).toContain('execution SUCCEEDED');
  });
});

describe('configuration and AWS errors', () => {
  it('names both ways to set the stack when it is not configured, before touching AWS', async () => {
    const { deps, s3, sfn } = fakeDeps(new FakeSfn([]));

    const run = runCloudIngest({ catalog: CATALOG, env: {} }, deps);

    await expect(run).rejects.toThrow(
      'set the state machine (--state-machine ARN or THREADFINDER_STATE_MACHINE_ARN) and the data bucket ' +
        '(--bucket NAME or THREADFINDER_BUCKET)',
    );
    await expect(
      runCloudIngest({ catalog: CATALOG, env: { ...ENV, THREADFINDER_BUCKET: '' } }, deps),
    ).rejects.toThrow(
      /needs to know the deployed stack: set the data bucket \(--bucket NAME or THREADFINDER_BUCKET\)/,
    );
    await expect(
      runCloudIngest({ catalog: CATALOG, env: ENV, stateMachineArn: 'tf-ingest' }, deps),
    ).rejects.toThrow(/not a state machine ARN: "tf-ingest"/);
    expect([...s3.names(), ...sfn.names()]).toEqual([]);
  });

  it('lets flags win over the environment', async () => {
    const s3 = new FakeS3();
    s3.put('other-stack-bucket', 'catalogs/spring.csv', 'id\n');
    const { deps, sfn } = fakeDeps(
      new FakeSfn([{ status: 'SUCCEEDED', output: { aggregate: summary() } }]),
      s3,
    );
    const arn = STATE_MACHINE_ARN.replace('tf-ingest', 'other');

    await runCloudIngest(
      {
        catalog: 's3://other-stack-bucket/catalogs/spring.csv',
        bucket: 'other-stack-bucket',
        stateMachineArn: arn,
        env: ENV,
      },
      deps,
    );

    expect(sfn.calls.find((c) => c.name === 'StartExecution')?.input.stateMachineArn).toBe(arn);
  });

  it.each([
    [Object.assign(new Error('Region is missing')), /no AWS region: set AWS_REGION/],
    [awsError('CredentialsProviderError'), /no AWS credentials .*aws configure or aws sso login/],
    [awsError('ExpiredTokenException'), /credentials were refused \(ExpiredTokenException\)/],
    [awsError('AccessDeniedException'), /access denied while starting the execution/],
    [awsError('StateMachineDoesNotExist'), /state machine not found: .*is the stack deployed/],
  ])('turns %s into one line', async (error, message) => {
    const sfn = new FakeSfn([]);
    sfn.failures.add('StartExecution', error);
    const { deps } = fakeDeps(sfn, withCatalog());

    const run = runCloudIngest({ catalog: CATALOG, env: ENV }, deps);

    await expect(run).rejects.toThrow(message);
    await run.catch((e: Error) => expect(e.message).not.toContain('\n'));
  });

  it('names executions run-<utc timestamp>-<hex>, valid for Step Functions', () => {
    const name = executionName(Date.UTC(2025, 11, 31, 23, 59, 58), 'ff00ee11');

    expect(name).toBe('run-20251231T235958-ff00ee11');
    expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });
});
