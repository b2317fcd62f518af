import { MongoVectorStore } from '../adapters/mongo-vector-store.ts';
import { OnnxSegmenter } from '../adapters/onnx-segmenter.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { TransformersImageEmbedder, TransformersTextEmbedder } from '../adapters/transformers-embedder.ts';
import { UndiciHttpClient } from '../adapters/undici-http-client.ts';
import { type Config, loadConfig } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import { lazy } from '../core/lazy.ts';
import type { BlobStore } from '../core/ports/blob-store.ts';
import type { AggregateHandlerDeps } from '../functions/aggregate/handler.ts';
import { buildDownloadDeps } from '../functions/download/handler.ts';
import type { DownloadDeps } from '../functions/download/run-download.ts';
import type { EmbedDeps } from '../functions/embed/run-embed.ts';
import type { PrepareDeps } from '../functions/prepare/run-prepare.ts';
import type { ApiDeps } from '../functions/search/api.ts';
import type { SegmentDeps } from '../functions/segment/run-segment.ts';
import { CLOUD_ENV } from './env-names.ts';
import { embedModelInfo, resolveCloudModels } from './models.ts';
import { readMongoUri } from './mongo-uri.ts';

/**
 * What each deployed function needs, built once per container from the environment the stack sets: the
 * data bucket through S3BlobStore, MongoDB Atlas through MongoVectorStore, models from the image.
 */
const config = lazy(async () => loadConfig());

const blobs = lazy(async (): Promise<BlobStore> => {
  const { bucket } = (await config()).cloud;
  if (!bucket) throw new ConfigError(`${CLOUD_ENV.bucket} is not set: the stack sets it on every function`);
  return new S3BlobStore({ bucket });
});

const store = lazy(async () => {
  const c = await config();
  const arn = c.cloud.mongoSecretArn;
  if (!arn)
    throw new ConfigError(
      `${CLOUD_ENV.mongoSecretArn} is not set: the stack sets it on aggregate and search`,
    );
  return MongoVectorStore.fromUri(await readMongoUri(arn), {
    database: c.cloud.mongoDatabase,
    collection: c.cloud.mongoCollection,
    indexName: c.cloud.mongoIndex,
  });
});

const models = lazy(async () => resolveCloudModels(await config()));

/** Prepare: the bucket. */
export async function prepareDeps(): Promise<PrepareDeps> {
  return { blobs: await blobs() };
}

/** Download: the bucket and the polite, guarded HTTP client. */
export async function downloadDeps(): Promise<DownloadDeps> {
  return buildDownloadDeps(await config(), await blobs());
}

/** Segment: the bucket and the segmentation model from the image. */
export async function segmentDeps(): Promise<SegmentDeps> {
  const c = await config();
  const m = await models();
  return {
    blobs: await blobs(),
    segmenter: await OnnxSegmenter.create({ model: m.segment, threads: c.model.onnxThreads }),
    background: c.background,
    maxPixels: c.download.maxPixels,
  };
}

/** Embed: the bucket and the image tower of the embedding model. */
export async function embedDeps(): Promise<EmbedDeps> {
  const c = await config();
  const m = await models();
  return {
    blobs: await blobs(),
    embedder: await imageEmbedder(c, m.embed),
    maxPixels: c.download.maxPixels,
    batchSize: c.model.embedBatchSize,
  };
}

/** Aggregate: the bucket and the MongoDB store; the model's id and width come from the registry. */
export async function aggregateDeps(): Promise<AggregateHandlerDeps> {
  const c = await config();
  return { blobs: await blobs(), store: await store(), ...embedModelInfo(c) };
}

/** Search: text tower, MongoDB, masked images from the bucket, image search with the same models. */
export async function searchDeps(): Promise<ApiDeps> {
  const c = await config();
  // The stack's settings first: a function deployed without them says so before loading any model.
  const [bucket, vectors] = [await blobs(), await store()];
  const m = await models();
  const threads = c.model.onnxThreads;
  const segmenter = lazy(() => OnnxSegmenter.create({ model: m.segment, threads }));
  const embedder = lazy(() => imageEmbedder(c, m.embed));
  return {
    text: await TransformersTextEmbedder.create({ model: m.embed, batchSize: 1, threads }),
    store: vectors,
    blobs: bucket,
    image: {
      segmenter,
      embedder,
      http: new UndiciHttpClient({ allowPrivateHosts: false }),
      background: c.background,
      maxPixels: c.download.maxPixels,
      fetchTimeoutMs: Math.min(c.download.timeoutMs, 10_000),
    },
    duplicateThreshold: c.duplicateThreshold,
    webDir: c.webDir,
  };
}

function imageEmbedder(c: Config, model: Awaited<ReturnType<typeof models>>['embed']) {
  const { embedBatchSize: batchSize, onnxThreads: threads, imageFit: fit } = c.model;
  return TransformersImageEmbedder.create({
    model,
    batchSize,
    threads,
    pixels: { fit, padColour: c.background },
  });
}
