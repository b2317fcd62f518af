import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { INGEST_ERRORS, INGEST_OUTPUT, LOCK_CONDITIONS, INGEST_STATES as S } from './ingest-states.ts';

const CONDITION_FAILED = ['DynamoDB.ConditionalCheckFailedException'];

/**
 * The overlap guard: take the catalog's lock (an item keyed by the catalog), or, when another execution holds
 * it, take it over only if that execution is no longer running (stopped, timed out, crashed). Otherwise the run
 * ends at AlreadyRunning: SUCCEEDED with `refused: { error: "AlreadyRunning", cause }` in its output, so the
 * harmless refusal is neither a failed execution nor an alarm. `onceHeld` runs once the lock is held.
 */
export function acquireCatalogLock(
  scope: Construct,
  props: { table: dynamodb.ITableV2; executionArns: string; onceHeld: sfn.IChainable },
): sfn.IChainable {
  const { table } = props;
  const pk = lockKey();
  const item = {
    pk,
    executionArn: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.executionId),
    expiresAt: tasks.DynamoAttributeValue.numberFromString(
      sfn.JsonPath.format('{}', sfn.JsonPath.stringAt('$.prepared.lockExpiresAt')),
    ),
  };
  const alreadyRunning = new sfn.Pass(scope, S.alreadyRunning, {
    result: sfn.Result.fromObject({
      error: INGEST_ERRORS.alreadyRunning,
      cause: 'another ingestion of this catalog is running; wait for it to end',
    }),
    resultPath: `$.${INGEST_OUTPUT.refused}`,
  });
  const acquire = new tasks.DynamoPutItem(scope, S.acquireLock, {
    table,
    item,
    conditionExpression: LOCK_CONDITIONS.acquire,
    expressionAttributeValues: {
      ':now': tasks.DynamoAttributeValue.numberFromString(
        sfn.JsonPath.format('{}', sfn.JsonPath.stringAt('$.prepared.now')),
      ),
      // A retried PutItem that had in fact succeeded finds its own lock: that is success, not a conflict.
      ':me': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.executionId),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  const read = new tasks.DynamoGetItem(scope, S.readLock, {
    table,
    key: { pk },
    consistentRead: true,
    resultPath: '$.lock',
  });
  const describeHolder = new tasks.CallAwsService(scope, S.checkLockHolder, {
    service: 'sfn',
    action: 'describeExecution',
    parameters: { ExecutionArn: sfn.JsonPath.stringAt('$.lock.Item.executionArn.S') },
    iamAction: 'states:DescribeExecution',
    iamResources: [props.executionArns],
    resultSelector: { status: sfn.JsonPath.stringAt('$.Status') },
    resultPath: '$.holder',
  });
  const takeOver = new tasks.DynamoPutItem(scope, S.takeOverLock, {
    table,
    item,
    conditionExpression: LOCK_CONDITIONS.takeOver,
    expressionAttributeValues: {
      ':holder': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.lock.Item.executionArn.S')),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  for (const task of [acquire, read, takeOver]) retryDynamo(task);
  acquire.addCatch(read, { errors: CONDITION_FAILED, resultPath: '$.lockError' });
  takeOver.addCatch(alreadyRunning, { errors: CONDITION_FAILED, resultPath: '$.lockError' });
  describeHolder.addCatch(takeOver, {
    errors: ['Sfn.ExecutionDoesNotExistException'],
    resultPath: '$.holderError',
  });
  read.next(
    new sfn.Choice(scope, S.lockStillHeld)
      .when(sfn.Condition.isNotPresent('$.lock.Item'), acquire)
      .otherwise(
        describeHolder.next(
          new sfn.Choice(scope, S.lockHolderRunning)
            .when(sfn.Condition.stringEquals('$.holder.status', 'RUNNING'), alreadyRunning)
            .otherwise(takeOver),
        ),
      ),
  );
  takeOver.next(props.onceHeld);
  return acquire.next(props.onceHeld);
}

/** Deletes the catalog's lock if this execution still holds it; `id` names the state. */
export function releaseCatalogLock(
  scope: Construct,
  id: string,
  table: dynamodb.ITableV2,
): tasks.DynamoDeleteItem {
  const release = new tasks.DynamoDeleteItem(scope, id, {
    table,
    key: { pk: lockKey() },
    conditionExpression: LOCK_CONDITIONS.release,
    expressionAttributeValues: { ':me': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.executionId) },
    resultPath: sfn.JsonPath.DISCARD,
  });
  retryDynamo(release);
  return release;
}

/** Errors the release tolerates: the lock was taken over after it expired. */
export const RELEASE_TOLERATED = CONDITION_FAILED;

function lockKey(): tasks.DynamoAttributeValue {
  return tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.catalogKey'));
}

function retryDynamo(task: sfn.TaskStateBase): void {
  task.addRetry({
    errors: [
      'DynamoDB.ProvisionedThroughputExceededException',
      'DynamoDB.RequestLimitExceeded',
      'DynamoDB.ThrottlingException',
      'DynamoDB.InternalServerErrorException',
    ],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 5,
    jitterStrategy: sfn.JitterType.FULL,
  });
}
