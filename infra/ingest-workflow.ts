import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { acquireCatalogLock, RELEASE_TOLERATED, releaseCatalogLock } from './catalog-lock.ts';
import { FAILED_BATCH_PERCENT, INGEST_ERRORS, INGEST_OUTPUT, INGEST_STATES as S } from './ingest-states.ts';
import { MapResultsWriter, RunItemsReader } from './map-io-grants.ts';
import type { StageName } from './pipeline-functions.ts';
import type { DeploySettings } from './settings.ts';

/** What the ingestion workflow is built from. */
export interface IngestWorkflowProps {
  functions: Record<StageName, lambda.IFunction>;
  bucket: s3.IBucket;
  lockTable: dynamodb.ITableV2;
  settings: DeploySettings;
  /** ARN pattern of this state machine's executions (the lock check describes the holder's execution). */
  executionArns: string;
}

/** Errors that mean the input is wrong: retrying cannot help. */
const NOT_RETRIED = ['InputError', 'ModelMismatchError'];

/**
 * A state's result over 256 KiB. A batch's input is capped at MAX_INPUT_BYTES_PER_BATCH, but every failed image
 * adds a reason and a detail of up to 300 characters (up to 1,800 bytes once JSON-escaped) to its output: 20
 * products of 20 images all failing add 400 x ~350 B = ~140 KB of ASCII, several times that when escaped, so
 * a stage's result can pass the limit however the batch is capped by bytes.
 */
export const DATA_LIMIT_EXCEEDED = 'States.DataLimitExceeded';

/** The largest batch the ItemBatcher hands a child: its state (items + their image records) stays < 256 KB. */
export const MAX_INPUT_BYTES_PER_BATCH = 96 * 1024;

/**
 * The ingestion workflow: prepare the catalog, take the catalog's lock, fan batches of products out to
 * download -> segment -> embed in a Distributed Map, aggregate product vectors into MongoDB, release the lock.
 * A batch that keeps failing is recorded, not fatal: every child catches States.ALL, so the Map's own
 * ToleratedFailurePercentage only sees children that fail outright (a child execution that cannot start).
 * After aggregation a Choice fails the execution when the share of failed batches exceeds the same tolerance;
 * a Map that fails stores what it embedded, then fails.
 */
export function buildIngestWorkflow(scope: Construct, props: IngestWorkflowProps): sfn.IChainable {
  const { functions, bucket, lockTable, settings } = props;
  const prepare = invoke(scope, S.prepare, functions.prepare, {
    // The whole execution input: Prepare validates it and applies the defaults (no intrinsic literals here).
    payload: sfn.TaskInput.fromObject({
      runId: sfn.JsonPath.executionName,
      input: sfn.JsonPath.entirePayload,
    }),
    resultPath: '$.prepared',
  });
  const map = new sfn.DistributedMap(scope, S.map, {
    itemReader: new RunItemsReader({ bucket, key: sfn.JsonPath.stringAt('$.prepared.itemsKey') }),
    itemBatcher: new sfn.ItemBatcher({
      maxItemsPerBatch: settings.batchSize,
      maxInputBytesPerBatch: MAX_INPUT_BYTES_PER_BATCH,
      // ItemBatcher does not render JsonPath tokens: the `.$` suffix is spelt out.
      batchInput: { 'runId.$': '$.prepared.runId' },
    }),
    maxConcurrency: settings.maxConcurrency,
    toleratedFailurePercentage: settings.toleratedFailurePercentage,
    // Per run, so the aggregate step finds a failed Map's results too (they are written either way).
    resultWriterV2: new MapResultsWriter(bucket, sfn.JsonPath.stringAt('$.prepared.mapResultsPrefix')),
    mapExecutionType: sfn.StateMachineType.STANDARD,
    label: 'EmbedProducts',
    resultPath: '$.map',
  });
  map.itemProcessor(batchWorkflow(scope, functions));

  const failed = new sfn.Fail(scope, S.failed, {
    error: INGEST_ERRORS.incomplete,
    cause:
      'the ingestion did not complete; products embedded before the failure were stored (see the execution output)',
  });
  const afterFailure = releaseCatalogLock(scope, S.releaseLockAfterFailure, lockTable);
  afterFailure.addCatch(failed, { errors: RELEASE_TOLERATED, resultPath: '$.lockError' });
  afterFailure.next(failed);
  const aggregateAfterFailure = invoke(scope, S.aggregateAfterFailure, functions.aggregate, {
    payload: sfn.TaskInput.fromObject({
      runId: sfn.JsonPath.stringAt('$.prepared.runId'),
      resultsPrefix: sfn.JsonPath.stringAt('$.prepared.mapResultsPrefix'),
    }),
    resultPath: '$.aggregate',
  });
  aggregateAfterFailure.addCatch(afterFailure, { resultPath: '$.aggregateError' });
  map.addCatch(aggregateAfterFailure.next(afterFailure), { resultPath: '$.mapError' });

  const aggregate = invoke(scope, S.aggregate, functions.aggregate, {
    payload: sfn.TaskInput.fromObject({
      runId: sfn.JsonPath.stringAt('$.prepared.runId'),
      prune: sfn.JsonPath.stringAt('$.prepared.prune'),
      results: sfn.JsonPath.objectAt('$.map.ResultWriterDetails'),
    }),
    resultPath: '$.aggregate',
  });
  aggregate.addCatch(afterFailure, { resultPath: '$.aggregateError' });
  const done = new sfn.Succeed(scope, S.done);
  const tooManyFailed = new sfn.Fail(scope, S.tooManyBatchesFailed, {
    error: INGEST_ERRORS.incomplete,
    cause:
      `more than ${settings.toleratedFailurePercentage}% of the batches failed (toleratedFailurePercentage); ` +
      'the products of the other batches are stored (see the summary in the execution output)',
  });
  const tolerated = new sfn.Choice(scope, S.failuresTolerated)
    .when(
      sfn.Condition.numberGreaterThan(
        `$.${INGEST_OUTPUT.aggregate}.${FAILED_BATCH_PERCENT}`,
        settings.toleratedFailurePercentage,
      ),
      tooManyFailed,
    )
    .otherwise(done);
  const release = releaseCatalogLock(scope, S.releaseLock, lockTable);
  release.addCatch(tolerated, { errors: RELEASE_TOLERATED, resultPath: '$.lockError' });
  aggregate.next(release).next(tolerated);

  return prepare.next(
    acquireCatalogLock(scope, {
      table: lockTable,
      executionArns: props.executionArns,
      onceHeld: map.next(aggregate),
    }),
  );
}

/**
 * One batch's child workflow: download -> segment -> embed, each replacing the state with its output (so the
 * state holds one copy of the batch, never more), every failure recorded instead of failing the child.
 */
function batchWorkflow(scope: Construct, functions: IngestWorkflowProps['functions']): sfn.IChainable {
  const record = (id: string, shape: { runId: string; ids: string }) =>
    new sfn.Pass(scope, id, {
      parameters: {
        failed: true,
        runId: sfn.JsonPath.stringAt(shape.runId),
        productIds: sfn.JsonPath.listAt(shape.ids),
        error: sfn.JsonPath.stringAt('$.error.Error'),
        cause: sfn.JsonPath.stringAt('$.error.Cause'),
      },
    });
  // Download's input is the ItemBatcher's { Items, BatchInput }; later stages get a Batch { runId, items }.
  const recordDownload = record(S.recordBatchFailure, { runId: '$.BatchInput.runId', ids: '$.Items[*].id' });
  const recordStage = record(S.recordStageFailure, { runId: '$.runId', ids: '$.items[*].id' });
  const download = invoke(scope, S.download, functions.download, {});
  // A later pass over the images whose host was still paused when the first pass had to return: it tries only
  // those. The Wait costs no Lambda time; the download step's pause budget per host bounds the loop.
  const downloadDeferred = invoke(scope, S.downloadDeferred, functions.download, {});
  const segment = invoke(scope, S.segment, functions.segment, {});
  const embed = invoke(scope, S.embed, functions.embed, {});
  for (const [step, recordIt] of [
    [download, recordDownload],
    [downloadDeferred, recordStage],
    [segment, recordStage],
    [embed, recordStage],
  ] as const) {
    // States.ALL does not match States.DataLimitExceeded (a result over 256 KiB): named first, so an output
    // that outgrew the state limit is recorded like any other failed batch instead of failing the child.
    step.addCatch(recordIt, { errors: [DATA_LIMIT_EXCEEDED], resultPath: '$.error' });
    step.addCatch(recordIt, { resultPath: '$.error' });
  }
  const wait = new sfn.Wait(scope, S.waitForHosts, {
    time: sfn.WaitTime.secondsPath('$.deferral.waitSeconds'),
  });
  const hostsPaused = new sfn.Choice(scope, S.hostsPaused)
    .when(sfn.Condition.isPresent('$.deferral'), wait.next(downloadDeferred))
    .otherwise(segment.next(embed));
  downloadDeferred.next(hostsPaused);
  return download.next(hostsPaused);
}

function invoke(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  props: Omit<tasks.LambdaInvokeProps, 'lambdaFunction' | 'payloadResponseOnly'>,
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, { ...props, lambdaFunction: fn, payloadResponseOnly: true });
  task.addRetry({ errors: NOT_RETRIED, maxAttempts: 0 });
  task.addRetry({
    errors: ['Lambda.TooManyRequestsException'],
    interval: Duration.seconds(5),
    backoffRate: 2,
    maxAttempts: 6,
    jitterStrategy: sfn.JitterType.FULL,
  });
  task.addRetry({
    errors: ['States.ALL'],
    interval: Duration.seconds(10),
    backoffRate: 2,
    maxAttempts: 2,
    jitterStrategy: sfn.JitterType.FULL,
  });
  return task;
}
