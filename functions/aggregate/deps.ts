import type { Config } from '#core/config.ts';
import type { StagePorts } from '#core/ports/stage-ports.ts';
import type { AggregateHandlerDeps } from './handler.ts';

/** The aggregate stage's wiring, the same in a Lambda and in the local runtime. */
export async function buildAggregateDeps(
  config: Config,
  ports: Pick<StagePorts, 'blobs' | 'store' | 'embedding'>,
): Promise<AggregateHandlerDeps> {
  const { modelId, dim, settings } = ports.embedding();
  return {
    blobs: ports.blobs,
    store: await ports.store(),
    modelId,
    dim,
    ...(settings && { settings }),
    tagMargin: config.tagMargin,
  };
}
