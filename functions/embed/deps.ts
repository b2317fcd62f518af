import type { Config } from '#core/config.ts';
import type { StagePorts } from '#core/ports/stage-ports.ts';
import type { EmbedDeps } from './run-embed.ts';

/** The embed stage's wiring, the same in a Lambda and in the local runtime. */
export async function buildEmbedDeps(
  config: Config,
  ports: Pick<StagePorts, 'blobs' | 'imageEmbedder' | 'events'>,
): Promise<EmbedDeps> {
  const finished = ports.events?.imageFinished?.bind(ports.events);
  return {
    blobs: ports.blobs,
    embedder: await ports.imageEmbedder(),
    maxPixels: config.download.maxPixels,
    background: config.background,
    batchSize: config.model.embedBatchSize,
    ...(finished && { onImage: finished }),
  };
}
