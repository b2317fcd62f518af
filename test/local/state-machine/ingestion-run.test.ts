import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '#core/errors.ts';
import {
  LocalExecutionFailedError,
  type MapProgress,
  type ResultWriterDetails,
  runLocalExecution,
  type TaskHandler,
} from '#map-runner/index.ts';
import {
  type BatchInputShape,
  createHarness,
  embedMap,
  type FixtureDefinition,
  ingestionDefinition,
  namedError,
  products,
  readResults,
} from './ingestion-harness.ts';

type Harness = Awaited<ReturnType<typeof createHarness>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const INPUT = { catalogKey: 'catalogs/shop', prune: false };

async function run(
  h: Harness,
  overrides: Record<string, TaskHandler> = {},
  extra: { definition?: unknown } & Record<string, unknown> = {},
) {
  const { definition = ingestionDefinition(), ...options } = extra;
  return (await runLocalExecution(definition, INPUT, {
    taskHandlers: h.handlers(overrides),
    blobs: h.blobs,
    retryIntervalOverrides: h.retryIntervalOverrides,
    executionName: 'run-1',
    mapConcurrency: 8,
    ...options,
  })) as unknown as {
    map: ResultWriterDetails & { MapRunArn: string; ResultWriterDetails: ResultWriterDetails };
    summary: unknown;
  };
}

/** A Download that fails for the batch holding `id`, `failures` times (forever by default), with `error`. */
function failingDownloadFor(
  id: string,
  error: () => Error,
  failures = Number.POSITIVE_INFINITY,
): TaskHandler {
  let failed = 0;
  return async (input) => {
    const batch = input as BatchInputShape;
    if (batch.Items.some((item) => item.id === id) && failed < failures) {
      failed += 1;
      throw error();
    }
    return { runId: batch.BatchInput.runId, items: batch.Items };
  };
}

/** Children whose failures are not caught: a failed batch fails its child execution. */
function withoutRecordedFailures(processor: FixtureDefinition): void {
  delete processor.States.RecordBatchFailure;
  for (const state of Object.values(processor.States)) delete state.Catch;
}

function downloadsOf(h: Harness, id: string): number {
  return (h.calls.Download ?? []).filter((input) =>
    (input as BatchInputShape).Items.some((item) => item.id === id),
  ).length;
}

describe('the ingestion definition, run locally', () => {
  it('batches the items file by MaxItemsPerBatch, with BatchInput resolved from the state input', async () => {
    harness = await createHarness(products(45));

    const output = await run(harness);

    const batches = (harness.calls.Download ?? []) as BatchInputShape[];
    expect(batches.map((b) => b.Items.length).sort((a, b) => b - a)).toEqual([20, 20, 5]);
    expect(batches.every((b) => b.BatchInput.runId === 'run-1')).toBe(true);
    expect(batches.flatMap((b) => b.Items.map((i) => i.id)).sort()).toEqual(
      products(45)
        .map((p) => p.id)
        .sort(),
    );
    expect(harness.calls.Prepare).toEqual([{ runId: 'run-1', catalogKey: 'catalogs/shop' }]);
    expect(output.summary).toEqual({ runId: 'run-1', succeeded: 3, failed: 0, pending: 0 });
    expect(harness.locks.size).toBe(0);
  });

  it('retries a child task that fails twice, and the run succeeds with every batch embedded', async () => {
    harness = await createHarness(products(45));
    const flaky = failingDownloadFor('p0', () => namedError('HttpClientError', 'socket hang up'), 2);

    const output = await run(harness, { Download: flaky });

    expect(downloadsOf(harness, 'p0')).toBe(3);
    const { succeeded } = await readResults(harness.blobs, output.map.ResultWriterDetails);
    expect(succeeded.map((entry) => JSON.parse(entry.Output ?? 'null').failed)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(output.summary).toMatchObject({ succeeded: 3, failed: 0 });
  });

  it('records a batch that always fails after MaxAttempts retries, without failing the run', async () => {
    harness = await createHarness(products(45));
    const broken = failingDownloadFor('p0', () => namedError('HttpClientError', 'host down'));

    const output = await run(harness, { Download: broken });

    expect(downloadsOf(harness, 'p0')).toBe(3);
    const { succeeded, failed } = await readResults(harness.blobs, output.map.ResultWriterDetails);
    expect(failed).toEqual([]);
    const recorded = succeeded.map((entry) => JSON.parse(entry.Output ?? 'null')).filter((out) => out.failed);
    expect(recorded).toEqual([
      {
        failed: true,
        runId: 'run-1',
        productIds: products(20).map((p) => p.id),
        error: 'HttpClientError',
        cause: 'host down',
      },
    ]);
    expect(harness.calls.Aggregate).toHaveLength(1);
    expect(harness.calls.AggregateEmbedded).toBeUndefined();
  });

  it('does not retry an InputError: the batch is recorded after one call', async () => {
    harness = await createHarness(products(45));
    const refused = failingDownloadFor('p0', () => new InputError('catalog row 3: bad URL'));

    const output = await run(harness, { Download: refused });

    expect(downloadsOf(harness, 'p0')).toBe(1);
    const { succeeded } = await readResults(harness.blobs, output.map.ResultWriterDetails);
    const recorded = succeeded.map((entry) => JSON.parse(entry.Output ?? 'null')).find((out) => out.failed);
    expect(recorded).toMatchObject({ error: 'InputError', cause: 'catalog row 3: bad URL' });
  });

  it('takes the Map Catch when failed items exceed ToleratedFailurePercentage: aggregates, unlocks, fails', async () => {
    harness = await createHarness(products(45));
    const definition = ingestionDefinition();
    withoutRecordedFailures(embedMap(definition).ItemProcessor);
    const broken = failingDownloadFor('p0', () => namedError('HttpClientError', 'host down'));

    const failure = await run(harness, { Download: broken }, { definition }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(LocalExecutionFailedError);
    expect(failure).toMatchObject({ error: 'EmbedProductsFailed' });
    expect((failure as LocalExecutionFailedError).errorCause).toMatch(
      /tolerated failure threshold was exceeded: 20 of 45/,
    );
    const [aggregated] = (harness.calls.AggregateEmbedded ?? []) as { mapError: { Error: string } }[];
    expect(aggregated?.mapError.Error).toBe('States.ExceedToleratedFailureThreshold');
    expect(harness.calls.Aggregate).toBeUndefined();
    expect(harness.locks.size).toBe(0);
  });

  it('tolerates failed items up to ToleratedFailurePercentage and lists them as FAILED', async () => {
    harness = await createHarness(products(100));
    const definition = ingestionDefinition();
    const map = embedMap(definition);
    map.ItemBatcher = { ...map.ItemBatcher, MaxItemsPerBatch: 10 };
    withoutRecordedFailures(map.ItemProcessor);
    const broken = failingDownloadFor('p0', () => namedError('HttpClientError', 'host down'));

    const output = await run(harness, { Download: broken }, { definition });

    const { failed, succeeded } = await readResults(harness.blobs, output.map.ResultWriterDetails);
    expect(succeeded).toHaveLength(9);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ Status: 'FAILED', Error: 'HttpClientError', Cause: 'host down' });
    expect(JSON.parse(failed[0]?.Input ?? 'null').Items[0].id).toBe('p0');
    expect(output.summary).toMatchObject({ succeeded: 9, failed: 1 });
  });

  it('writes the ResultWriter manifest and result files in the documented shape', async () => {
    harness = await createHarness(products(45));

    const output = await run(harness);

    const details = output.map.ResultWriterDetails;
    expect(output.map.MapRunArn).toMatch(
      /^arn:aws:states:local:000000000000:mapRun:LocalStateMachine\/EmbedProducts:[0-9a-f-]{36}$/,
    );
    const mapRunId = output.map.MapRunArn.split(':').at(-1);
    expect(details).toEqual({ Bucket: 'threadfinder-data', Key: `map-results/${mapRunId}/manifest.json` });
    const { manifest, succeeded } = await readResults(harness.blobs, details);
    const fileKey = `map-results/${mapRunId}/SUCCEEDED_0.json`;
    expect(manifest).toEqual({
      DestinationBucket: 'threadfinder-data',
      MapRunArn: output.map.MapRunArn,
      ResultFiles: {
        FAILED: [],
        PENDING: [],
        SUCCEEDED: [{ Key: fileKey, Size: (await harness.blobs.get(fileKey)).byteLength }],
      },
    });
    for (const entry of succeeded) {
      expect(Object.keys(entry).sort()).toEqual(
        [
          'ExecutionArn',
          'Input',
          'Name',
          'Output',
          'StartDate',
          'StateMachineArn',
          'Status',
          'StopDate',
        ].sort(),
      );
      expect(entry.Status).toBe('SUCCEEDED');
      expect(entry.StateMachineArn).toBe(
        'arn:aws:states:local:000000000000:stateMachine:LocalStateMachine/EmbedProducts',
      );
      expect(entry.ExecutionArn).toBe(
        `arn:aws:states:local:000000000000:execution:LocalStateMachine/EmbedProducts:${entry.Name}`,
      );
      expect(Date.parse(entry.StopDate ?? '')).toBeGreaterThanOrEqual(Date.parse(entry.StartDate ?? ''));
      expect(JSON.parse(entry.Input)).toMatchObject({ BatchInput: { runId: 'run-1' } });
      expect(JSON.parse(entry.Output ?? 'null')).toMatchObject({ runId: 'run-1', imagesFailed: 0 });
    }
  });

  it('on abort, finishes running batches, writes the others as PENDING, and takes the Map Catch', async () => {
    harness = await createHarness(products(45));
    const controller = new AbortController();
    const download: TaskHandler = async (input) => {
      controller.abort();
      const batch = input as BatchInputShape;
      return { runId: batch.BatchInput.runId, items: batch.Items };
    };
    let manifestKey = '';
    const onMapProgress = (progress: MapProgress) => {
      if (progress.event === 'map-finished')
        expect(progress.batches).toMatchObject({ succeeded: 1, pending: 2 });
    };
    const h = harness;
    const stopped = await run(
      h,
      { Download: download },
      { signal: controller.signal, mapConcurrency: 1, onMapProgress },
    ).catch((error: unknown) => error);

    expect(stopped).toMatchObject({ error: 'EmbedProductsFailed' });
    const [aggregated] = (h.calls.AggregateEmbedded ?? []) as {
      mapError: { Error: string; Cause: string };
    }[];
    expect(aggregated?.mapError.Error).toBe('MapRunAborted');
    manifestKey = /results in (\S+manifest\.json)/.exec(aggregated?.mapError.Cause ?? '')?.[1] ?? '';
    const { succeeded, pending } = await readResults(h.blobs, {
      Bucket: 'threadfinder-data',
      Key: manifestKey,
    });
    expect(succeeded).toHaveLength(1);
    expect(pending.map((entry) => entry.Status)).toEqual(['PENDING', 'PENDING']);
    const pendingIds = pending.flatMap((entry) =>
      (JSON.parse(entry.Input) as BatchInputShape).Items.map((i) => i.id),
    );
    expect(pendingIds).toHaveLength(25);
    expect(h.calls.Download).toHaveLength(1);
    expect(h.locks.size).toBe(0);
  });

  it('never runs more than MaxConcurrency children at once (100 items, MaxConcurrency 4)', async () => {
    harness = await createHarness(products(100));
    const definition = ingestionDefinition();
    const map = embedMap(definition);
    map.ItemBatcher = { ...map.ItemBatcher, MaxItemsPerBatch: 1 };
    map.MaxConcurrency = 4;
    let running = 0;
    let most = 0;
    const download: TaskHandler = async (input) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running -= 1;
      const batch = input as BatchInputShape;
      return { runId: batch.BatchInput.runId, items: batch.Items };
    };

    const output = await run(harness, { Download: download }, { definition, mapConcurrency: 16 });

    expect(harness.calls.Download).toHaveLength(100);
    expect(most).toBe(4);
    expect(output.summary).toMatchObject({ succeeded: 100 });
  });

  it('fails as AlreadyRunning when the lock is held, without embedding anything', async () => {
    harness = await createHarness(products(5));
    harness.locks.set('catalogs/shop', { executionArn: 'other', expiresAt: 1_800_000_000 });

    const failure = await run(harness).catch((error: unknown) => error);

    expect(failure).toMatchObject({ error: 'AlreadyRunning' });
    expect(harness.calls.Download).toBeUndefined();
    expect(harness.locks.get('catalogs/shop')?.executionArn).toBe('other');
  });
});
