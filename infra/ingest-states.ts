/**
 * Names of the ingestion state machine's states. The local runner maps its in-process handlers to these,
 * so this module stays free of aws-cdk-lib.
 */
export const INGEST_STATES = {
  prepare: 'Prepare',
  acquireLock: 'AcquireLock',
  readLock: 'ReadLock',
  lockStillHeld: 'LockStillHeld',
  checkLockHolder: 'CheckLockHolder',
  lockHolderRunning: 'LockHolderRunning',
  takeOverLock: 'TakeOverLock',
  alreadyRunning: 'AlreadyRunning',
  map: 'EmbedProducts',
  download: 'Download',
  hostsPaused: 'HostsPaused',
  waitForHosts: 'WaitForHosts',
  downloadDeferred: 'DownloadDeferred',
  segment: 'Segment',
  embed: 'Embed',
  recordBatchFailure: 'RecordBatchFailure',
  recordStageFailure: 'RecordStageFailure',
  aggregate: 'Aggregate',
  releaseLock: 'ReleaseLock',
  failuresTolerated: 'FailuresTolerated',
  tooManyBatchesFailed: 'TooManyBatchesFailed',
  done: 'Done',
  aggregateAfterFailure: 'AggregateAfterMapFailure',
  releaseLockAfterFailure: 'ReleaseLockAfterFailure',
  failed: 'IngestionIncomplete',
} as const;

/** Error names the state machine ends with, for the CLI's messages. */
export const INGEST_ERRORS = {
  alreadyRunning: 'AlreadyRunning',
  incomplete: 'IngestionIncomplete',
} as const;

/**
 * Where the execution output keeps the aggregate step's compact summary, the prepare step's result, and the
 * overlap guard's refusal (`{ error: AlreadyRunning, cause }`: the execution SUCCEEDED without doing any work).
 */
export const INGEST_OUTPUT = { aggregate: 'aggregate', prepared: 'prepared', refused: 'refused' } as const;

/** The aggregate's compact summary field the tolerance Choice compares with `toleratedFailurePercentage`. */
export const FAILED_BATCH_PERCENT = 'batchesFailedPercent';

/** The catalog lock's conditions; the local lock table (local/local-lock.ts) implements exactly these. */
export const LOCK_CONDITIONS = {
  acquire: 'attribute_not_exists(pk) OR expiresAt < :now OR executionArn = :me',
  takeOver: 'executionArn = :holder',
  release: 'executionArn = :me',
} as const;
