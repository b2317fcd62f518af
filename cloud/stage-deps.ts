import { OnnxSegmenter } from '#adapters/onnx-segmenter.ts';
import { TransformersImageEmbedder, TransformersTextEmbedder } from '#adapters/transformers-embedder.ts';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import type { Config } from '#core/config.ts';
import { lazy } from '#core/lazy.ts';
import { buildDownloadDeps } from '#functions/download/handler.ts';
import type { DownloadDeps } from '#functions/download/run-download.ts';
import type { EmbedDeps } from '#functions/embed/run-embed.ts';
import type { ApiDeps } from '#functions/search/api.ts';
import type { SegmentDeps } from '#functions/segment/run-segment.ts';
import { resolveModels } from '#models/resolve.ts';
import { cloudBlobs, cloudConfig, cloudStore } from './shared-deps.ts';

/** The container functions' deps (models from the image, native image code); zip functions use data-deps.ts. */
const models = lazy(async () => resolveModels(await cloudConfig()));

/** Download: the bucket and the polite, guarded HTTP client. */
export async function downloadDeps(): Promise<DownloadDeps> {
  return buildDownloadDeps(await cloudConfig(), await cloudBlobs());
}

/** Segment: the bucket and the segmentation model from the image. */
export async function segmentDeps(): Promise<SegmentDeps> {
  const c = await cloudConfig();
  const m = await models();
  return {
    blobs: await cloudBlobs(),
    segmenter: await OnnxSegmenter.create({ model: m.segment, threads: c.model.onnxThreads }),
    background: c.background,
    maxPixels: c.download.maxPixels,
  };
}

/** Embed: the bucket and the image tower of the embedding model. */
export async function embedDeps(): Promise<EmbedDeps> {
  const c = await cloudConfig();
  const m = await models();
  return {
    blobs: await cloudBlobs(),
    embedder: await imageEmbedder(c, m.embed),
    maxPixels: c.download.maxPixels,
    batchSize: c.model.embedBatchSize,
  };
}

/** Search: text tower, MongoDB, masked images from the bucket, image search with the same models. */
export async function searchDeps(): Promise<ApiDeps> {
  const c = await cloudConfig();
  // The stack's settings first: a function deployed without them says so before loading any model.
  const [bucket, vectors] = [await cloudBlobs(), await cloudStore()];
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
