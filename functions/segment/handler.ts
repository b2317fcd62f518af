import middy from '@middy/core';
import { parseBatchEvent } from '#core/contracts/batch-schema.ts';
import { depsGetter } from '#core/lazy.ts';
import type { Batch } from '#core/types.ts';
import { observed } from '#functions/shared/observe/middleware.ts';
import type { Observability } from '#functions/shared/observe/powertools.ts';
import { batchStageReport } from '#functions/shared/observe/reports.ts';
import { environmentFaultsNamed, inputErrorsNotRetried } from '#functions/shared/stage-errors.ts';
import { runSegment, type SegmentDeps } from './run-segment.ts';

/** Builds the segment Lambda handler; dependencies are built once per container. */
export function createSegmentHandler(
  deps: SegmentDeps | (() => Promise<SegmentDeps>),
  options: { observe?: Observability } = {},
) {
  const getDeps = depsGetter(deps);
  return middy(async (event: unknown): Promise<Batch> => runSegment(parseBatchEvent(event), await getDeps()))
    .use(options.observe ? observed(options.observe, batchStageReport('segment')) : [])
    .use(inputErrorsNotRetried())
    .use(environmentFaultsNamed());
}
