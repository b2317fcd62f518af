import type { Config } from '#core/config.ts';
import { lazy } from '#core/lazy.ts';
import type { ImageEmbedder, Segmenter, TextEmbedder } from '#core/ports/models.ts';
import type { ResolvedModels } from '#core/resolved-models.ts';
import { OnnxSegmenter } from './onnx-segmenter.ts';
import { TransformersImageEmbedder, TransformersTextEmbedder } from './transformers-embedder.ts';
import { growHeapForImageWork } from './v8-heap.ts';

/** The three model ports, each loaded on first use; the image models can be freed and loaded again. */
export interface ModelAdapters {
  segmenter(): Promise<Segmenter>;
  imageEmbedder(): Promise<ImageEmbedder>;
  textEmbedder(): Promise<TextEmbedder>;
  /** Frees the segmentation and image models (a search server needs only text). */
  releaseImageModels(): Promise<void>;
}

/** The one place the model adapters are built from config: the local runtime and the cloud functions use it. */
export function createModelAdapters(config: Config, models: () => Promise<ResolvedModels>): ModelAdapters {
  growHeapForImageWork();
  const { embedBatchSize: batchSize, onnxThreads: threads, imageFit: fit } = config.model;
  const pixels = { fit, padColour: config.background };
  const segmenter = releasable(async () =>
    OnnxSegmenter.create({ model: (await models()).segment, threads }),
  );
  const imageEmbedder = releasable(async () =>
    TransformersImageEmbedder.create({ model: (await models()).embed, batchSize, threads, pixels }),
  );
  return {
    segmenter: segmenter.get,
    imageEmbedder: imageEmbedder.get,
    textEmbedder: lazy(async () =>
      TransformersTextEmbedder.create({ model: (await models()).embed, batchSize, threads }),
    ),
    releaseImageModels: async () => {
      await Promise.all([segmenter.release(), imageEmbedder.release()]);
    },
  };
}

/** A lazily created model that can be freed, and is created again if asked for afterwards. */
function releasable<T extends { dispose?(): Promise<void> }>(make: () => Promise<T>) {
  let get = lazy(make);
  let made = false;
  return {
    get: () => {
      made = true;
      return get();
    },
    release: async () => {
      if (!made) return;
      const model = await get().catch(() => undefined);
      get = lazy(make);
      made = false;
      await model?.dispose?.();
    },
  };
}
