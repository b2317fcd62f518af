/**
 * Names of the ingestion state machine's states. The local runner maps its in-process handlers to these,
 * so this module stays free of aws-cdk-lib.
 */
export const INGEST_STATES = {
  prepare: 'Prepare',
  acquireLock: 'AcquireLock',
  alreadyRunning: 'AlreadyRunning',
  map: 'EmbedProducts',
  download: 'Download',
  segment: 'Segment',
  embed: 'Embed',
  recordBatchFailure: 'RecordBatchFailure',
  recordStageFailure: 'RecordStageFailure',
  aggregate: 'Aggregate',
  releaseLock: 'ReleaseLock',
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

/** Where the execution output keeps the aggregate step's compact summary and the prepare step's result. */
export const INGEST_OUTPUT = { aggregate: 'aggregate', prepared: 'prepared' } as const;

/** Key prefix of the Distributed Map's ResultWriter output in the data bucket. */
export const MAP_RESULTS_PREFIX = 'map-results';
