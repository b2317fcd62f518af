import type { Config } from '#core/config.ts';
import type { StagePorts } from '#core/ports/stage-ports.ts';
import type { EmbedDeps } from './run-embed.ts';
import type { TagVocabularyDeps } from './vocabulary-cache.ts';

/** The embed stage's wiring, the same in a Lambda and in the local runtime. */
export async function buildEmbedDeps(
  config: Config,
  ports: Pick<StagePorts, 'blobs' | 'imageEmbedder' | 'textEmbedder' | 'events'>,
): Promise<EmbedDeps & TagVocabularyDeps> {
  const finished = ports.events?.imageFinished?.bind(ports.events);
  return {
    blobs: ports.blobs,
    embedder: await ports.imageEmbedder(),
    maxPixels: config.download.maxPixels,
    background: config.background,
    batchSize: config.model.embedBatchSize,
    // What changes the embedder's input besides the content-addressed keys the cache digest already holds.
    vectorCache: { settings: JSON.stringify({ background: config.background, fit: config.model.imageFit }) },
    ...(finished && { onImage: finished }),
    // Opened only when the tag vocabulary's text vectors are not cached yet (vocabulary-cache.ts).
    tagTextTower: () => ports.textEmbedder(),
  };
}
