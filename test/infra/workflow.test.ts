import { beforeAll, describe, expect, it } from 'vitest';
import { INGEST_OUTPUT, INGEST_STATES as S } from '#infra/ingest-states.ts';
import { definitionOf, type Json, synthStack } from './synth.ts';

describe('the ingestion state machine (synthesized)', () => {
  let asl: Json;
  let map: Json;
  beforeAll(() => {
    const { template } = synthStack({
      batchSize: '12',
      maxConcurrency: '7',
      toleratedFailurePercentage: '5',
    });
    asl = definitionOf(template);
    map = asl.States[S.map];
  });

  it('fans out with a Distributed Map reading the prepared items file from S3', () => {
    expect(map.Type).toBe('Map');
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.ItemReader.Resource).toMatch(/:states:::s3:getObject$/);
    expect(map.ItemReader.ReaderConfig).toEqual({ InputType: 'JSON' });
    expect(map.ItemReader.Parameters['Key.$']).toBe('$.prepared.itemsKey');
    expect(map.ItemReader.Parameters.Bucket).toMatch(/StorageData/);
    expect(map.ItemReader.ReaderConfig.MaxItems).toBeUndefined();
  });

  it('batches products, with the run id resolved from the state, under the 256 KB state limit', () => {
    expect(map.ItemBatcher.MaxItemsPerBatch).toBe(12);
    expect(map.ItemBatcher.MaxInputBytesPerBatch).toBeLessThanOrEqual(128 * 1024);
    expect(map.ItemBatcher.BatchInput).toEqual({ 'runId.$': '$.prepared.runId' });
  });

  it('limits concurrency, tolerates a share of failed batches and writes results to S3', () => {
    expect(map.MaxConcurrency).toBe(7);
    expect(map.ToleratedFailurePercentage).toBe(5);
    expect(map.ResultWriter.Resource).toMatch(/:states:::s3:putObject$/);
    expect(map.ResultWriter.Parameters['Prefix.$']).toBe('$.prepared.mapResultsPrefix');
    expect(map.ResultPath).toBe('$.map');
  });

  it('runs download, segment and embed per batch, retrying transient errors but not bad input', () => {
    const states = map.ItemProcessor.States;
    expect(map.ItemProcessor.StartAt).toBe(S.download);
    expect(states[S.download].Next).toBe(S.hostsPaused);
    expect(states[S.segment].Next).toBe(S.embed);
    expect(states[S.embed].End).toBe(true);
    for (const name of [S.download, S.downloadDeferred, S.segment, S.embed]) {
      const retry: { ErrorEquals: string[]; MaxAttempts: number; BackoffRate?: number }[] =
        states[name].Retry;
      expect(retry.find((r) => r.ErrorEquals.includes('InputError'))?.MaxAttempts).toBe(0);
      expect(retry.find((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'))?.BackoffRate).toBe(
        2,
      );
      const all = retry.at(-1);
      expect(all?.ErrorEquals).toEqual(['States.ALL']);
      expect(all?.MaxAttempts).toBeGreaterThan(0);
      const recorder = name === S.download ? S.recordBatchFailure : S.recordStageFailure;
      expect(states[name].Catch).toEqual([
        { ErrorEquals: ['States.DataLimitExceeded'], ResultPath: '$.error', Next: recorder },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: recorder },
      ]);
      // Each stage's output replaces the state: one copy of the batch, whatever the batch size.
      expect(states[name].ResultPath).toBeUndefined();
    }
  });

  it('waits for paused hosts without Lambda time, then downloads only the deferred images, until none is left', () => {
    const states = map.ItemProcessor.States;
    expect(states[S.hostsPaused]).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.deferral', IsPresent: true, Next: S.waitForHosts }],
      Default: S.segment,
    });
    expect(states[S.waitForHosts]).toEqual({
      Type: 'Wait',
      SecondsPath: '$.deferral.waitSeconds',
      Next: S.downloadDeferred,
    });
    expect(states[S.downloadDeferred].Next).toBe(S.hostsPaused);
    expect(states[S.downloadDeferred].Resource).toBe(states[S.download].Resource);
    expect(states[S.downloadDeferred].Parameters).toEqual(states[S.download].Parameters);
  });

  it('records a batch that keeps failing instead of failing the run, passing keys and counts only', () => {
    const record = map.ItemProcessor.States[S.recordBatchFailure];
    expect(record.Type).toBe('Pass');
    expect(record.Parameters).toMatchObject({
      failed: true,
      'productIds.$': '$.Items[*].id',
      'error.$': '$.error.Error',
    });
    const recordStage = map.ItemProcessor.States[S.recordStageFailure];
    expect(recordStage.Parameters).toMatchObject({
      failed: true,
      'productIds.$': '$.items[*].id',
      'runId.$': '$.runId',
    });
  });

  it('guards against overlapping runs of one catalog with a conditional lock, released on every path', () => {
    const acquire = asl.States[S.acquireLock];
    expect(acquire.Resource).toMatch(/:states:::dynamodb:putItem$/);
    expect(acquire.Parameters.ConditionExpression).toBe(
      'attribute_not_exists(pk) OR expiresAt < :now OR executionArn = :me',
    );
    expect(acquire.Catch[0]).toMatchObject({
      ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'],
      Next: S.readLock,
    });
    // A lock whose holder no longer runs (stopped, timed out, crashed) is taken over; a running one refuses.
    expect(asl.States[S.readLock].Parameters.ConsistentRead).toBe(true);
    expect(asl.States[S.checkLockHolder].Resource).toMatch(/:states:::aws-sdk:sfn:describeExecution$/);
    expect(asl.States[S.lockHolderRunning].Choices).toEqual([
      { Variable: '$.holder.status', StringEquals: 'RUNNING', Next: S.alreadyRunning },
    ]);
    expect(asl.States[S.lockHolderRunning].Default).toBe(S.takeOverLock);
    expect(asl.States[S.takeOverLock].Parameters.ConditionExpression).toBe('executionArn = :holder');
    expect(asl.States[S.takeOverLock].Next).toBe(S.map);
    expect(asl.States[S.acquireLock].Next).toBe(S.map);
    expect(asl.States[S.aggregate].Next).toBe(S.releaseLock);
    expect(asl.States[S.releaseLock].Resource).toMatch(/:states:::dynamodb:deleteItem$/);
    expect(map.Catch[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: S.aggregateAfterFailure });
    expect(asl.States[S.aggregateAfterFailure].Next).toBe(S.releaseLockAfterFailure);
    expect(asl.States[S.aggregateAfterFailure].Parameters['resultsPrefix.$']).toBe(
      '$.prepared.mapResultsPrefix',
    );
    expect(asl.States[S.releaseLockAfterFailure].Next).toBe(S.failed);
    expect(asl.States[S.aggregate].Catch[0].Next).toBe(S.releaseLockAfterFailure);
  });

  it('leaves the summary and the catalog counts where `ingest --cloud` reads them in the output', () => {
    expect(asl.States[S.aggregate].ResultPath).toBe(`$.${INGEST_OUTPUT.aggregate}`);
    expect(asl.States[S.aggregateAfterFailure].ResultPath).toBe(`$.${INGEST_OUTPUT.aggregate}`);
    expect(asl.States[S.prepare].ResultPath).toBe(`$.${INGEST_OUTPUT.prepared}`);
  });

  it('hands the aggregate step the run id, the prune choice and where the Map wrote its results', () => {
    expect(asl.States[S.aggregate].Parameters).toEqual({
      'runId.$': '$.prepared.runId',
      'prune.$': '$.prepared.prune',
      'results.$': '$.map.ResultWriterDetails',
    });
    expect(asl.StartAt).toBe(S.prepare);
    expect(asl.States[S.prepare].Parameters).toEqual({ 'runId.$': '$$.Execution.Name', 'input.$': '$' });
    // No intrinsic function with literal braces anywhere (AWS reserves unescaped { } in them).
    expect(JSON.stringify(asl)).not.toMatch(/States\.(StringToJson|JsonMerge)/);
  });
});
