/** Local execution of a synthesized state machine definition (aws-local-stepfunctions + a local Distributed Map). */
export { executionArn, stateMachineArn } from './arns.ts';
export type { AslDefinition, AslState, Json } from './asl.ts';
export type { ChildOutcome, LocalHandlers, RetryIntervalOverrides } from './child-execution.ts';
export {
  LocalExecutionFailedError,
  MapRunError,
  type ResultWriterDetails,
  TerminalStateError,
  UnsupportedDefinitionError,
} from './errors.ts';
export { STATE_PAYLOAD_LIMIT_BYTES, type TaskHandler } from './local-handlers.ts';
export { MAX_LOCAL_TIMEOUT_SECONDS } from './local-timeouts.ts';
export type { MapProgress, ProgressCounts } from './map-progress.ts';
export type { DistributedMapSpec } from './map-spec.ts';
export type { ChildExecutionRecord, ChildStatus, MapRunManifest, ResultFile } from './result-writer.ts';
export { MAP_RUN_ABORTED, type MapRunDeps, runDistributedMap } from './run-distributed-map.ts';
export { type LocalExecutionOptions, runLocalExecution } from './run-local-execution.ts';
export {
  LOCAL_DISTRIBUTED_MAP_RESOURCE,
  type Substitution,
  substituteDistributedMaps,
} from './substitute.ts';
