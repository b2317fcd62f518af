import type { Config } from '#core/config.ts';
import type { StagePorts } from '#core/ports/stage-ports.ts';
import type { PrepareDeps } from './run-prepare.ts';

/** The prepare stage's wiring, the same in a Lambda and in the local runtime. */
export function buildPrepareDeps(_config: Config, ports: Pick<StagePorts, 'blobs'>): PrepareDeps {
  return { blobs: ports.blobs };
}
