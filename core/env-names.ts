/**
 * Environment variable names the stack sets on its functions and the handlers read: one list, shared by
 * infra/ and the cloud wiring so the two cannot drift.
 */
export const CLOUD_ENV = {
  /** The data bucket: catalogs, originals, masked images, run files and Map results. */
  bucket: 'THREADFINDER_BUCKET',
  /** The ingestion state machine, for `threadfinder ingest --cloud` (a stack output users export). */
  stateMachineArn: 'THREADFINDER_STATE_MACHINE_ARN',
  /** ARN of the Secrets Manager secret holding the MongoDB Atlas connection string. */
  mongoSecretArn: 'THREADFINDER_MONGODB_SECRET_ARN',
  /** MongoDB database and collection of the product vectors. */
  mongoDatabase: 'THREADFINDER_MONGODB_DATABASE',
  mongoCollection: 'THREADFINDER_MONGODB_COLLECTION',
  /** Name of the Atlas Vector Search index. */
  mongoIndex: 'THREADFINDER_MONGODB_INDEX',
} as const;
