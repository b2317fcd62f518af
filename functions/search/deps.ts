import type { Config } from '#core/config.ts';
import type { StagePorts } from '#core/ports/stage-ports.ts';
import type { ApiDeps } from './api-deps.ts';
import { IMAGE_URL_TIMEOUT_MS } from './image-route.ts';

/**
 * The search API's wiring, the same in a Lambda and in the local server: the text tower and the store now,
 * the image models on the first search by image.
 */
export async function buildSearchDeps(
  config: Config,
  ports: Pick<
    StagePorts,
    'blobs' | 'store' | 'textEmbedder' | 'segmenter' | 'imageEmbedder' | 'imageUrlHttp'
  >,
): Promise<ApiDeps> {
  // The store first: a function deployed without its settings says so before loading any model.
  const store = await ports.store();
  return {
    text: await ports.textEmbedder(),
    store,
    blobs: ports.blobs,
    image: {
      segmenter: () => ports.segmenter(),
      embedder: () => ports.imageEmbedder(),
      http: ports.imageUrlHttp(),
      background: config.background,
      maxPixels: config.download.maxPixels,
      fetchTimeoutMs: Math.min(config.download.timeoutMs, IMAGE_URL_TIMEOUT_MS),
    },
    duplicateThreshold: config.duplicateThreshold,
    ...(config.webDir && { webDir: config.webDir }),
  };
}
