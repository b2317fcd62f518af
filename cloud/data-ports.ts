import { MongoVectorStore } from '#adapters/mongo-vector-store.ts';
import { S3BlobStore } from '#adapters/s3-blob-store.ts';
import { loadConfig } from '#core/config.ts';
import { CLOUD_ENV } from '#core/env-names.ts';
import { ConfigError } from '#core/errors.ts';
import { lazy } from '#core/lazy.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { StagePorts } from '#core/ports/stage-ports.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import { embedModelInfo } from './embed-model-info.ts';
import { readMongoUri } from './mongo-uri.ts';

// The ports every function may use: the bucket and MongoDB Atlas. No model, no native code, so the zip
// functions (prepare, aggregate) that import only this file stay small and pure JavaScript.

/** The process's configuration, read once from the environment the stack sets. */
export const cloudConfig = lazy(async () => loadConfig());

/** The data bucket, once per container. */
const cloudBlobs = lazy(async (): Promise<BlobStore> => {
  const { bucket } = (await cloudConfig()).cloud;
  if (!bucket) throw new ConfigError(`${CLOUD_ENV.bucket} is not set: the stack sets it on every function`);
  return new S3BlobStore({ bucket });
});

/** MongoDB Atlas through the URI in Secrets Manager, once per container (one small connection pool). */
const cloudStore = lazy(async (): Promise<VectorStore> => {
  const c = await cloudConfig();
  const arn = c.cloud.mongoSecretArn;
  if (!arn) {
    throw new ConfigError(
      `${CLOUD_ENV.mongoSecretArn} is not set: the stack sets it on aggregate and search`,
    );
  }
  return MongoVectorStore.fromUri(await readMongoUri(arn), {
    database: c.cloud.mongoDatabase,
    collection: c.cloud.mongoCollection,
    indexName: c.cloud.mongoIndex,
  });
});

/** The data ports of a deployed function; the container functions add the models (model-ports.ts). */
export async function cloudDataPorts(): Promise<Pick<StagePorts, 'blobs' | 'store' | 'embedding'>> {
  const config = await cloudConfig();
  return { blobs: await cloudBlobs(), store: cloudStore, embedding: () => embedModelInfo(config) };
}
