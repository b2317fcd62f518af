import type { Config } from '#core/config.ts';
import type { StagePorts } from '#core/ports/stage-ports.ts';
import type { SegmentDeps } from './run-segment.ts';

/** The segment stage's wiring, the same in a Lambda and in the local runtime. */
export async function buildSegmentDeps(
  config: Config,
  ports: Pick<StagePorts, 'blobs' | 'segmenter'>,
): Promise<SegmentDeps> {
  return {
    blobs: ports.blobs,
    segmenter: await ports.segmenter(),
    background: config.background,
    maxPixels: config.download.maxPixels,
  };
}
