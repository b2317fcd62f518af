import { OnnxSegmenter } from '#adapters/onnx-segmenter.ts';
import { TransformersImageEmbedder, TransformersTextEmbedder } from '#adapters/transformers-embedder.ts';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import type { Config } from '#core/config.ts';
import { lazy } from '#core/lazy.ts';
import type { StagePorts } from '#core/ports/stage-ports.ts';
import type { ResolvedModels } from '#core/resolved-models.ts';
import { resolveModels } from '#models/resolve.ts';
import { cloudConfig, cloudDataPorts } from './data-ports.ts';

/**
 * Every port of a container function: the data ports, the models baked into the image (loaded on first use,
 * once per container) and the guarded HTTP client. Deployed functions never reach private addresses.
 */
export const cloudPorts = lazy(async (): Promise<StagePorts> => {
  const config = await cloudConfig();
  const data = await cloudDataPorts();
  const models = lazy(async () => resolveModels(config));
  const threads = config.model.onnxThreads;
  const httpClient = new UndiciHttpClient({ allowPrivateHosts: config.allowPrivateHosts });
  return {
    ...data,
    downloadHttp: () => httpClient,
    imageUrlHttp: () => httpClient,
    segmenter: lazy(async () => OnnxSegmenter.create({ model: (await models()).segment, threads })),
    imageEmbedder: lazy(async () => imageEmbedder(config, await models())),
    textEmbedder: lazy(async () =>
      TransformersTextEmbedder.create({ model: (await models()).embed, batchSize: 1, threads }),
    ),
  };
});

function imageEmbedder(c: Config, models: ResolvedModels) {
  const { embedBatchSize: batchSize, onnxThreads: threads, imageFit: fit } = c.model;
  return TransformersImageEmbedder.create({
    model: models.embed,
    batchSize,
    threads,
    pixels: { fit, padColour: c.background },
  });
}
