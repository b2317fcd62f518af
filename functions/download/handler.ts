import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { parseBatchEvent } from '#core/contracts/batch-schema.ts';
import { depsGetter } from '#core/lazy.ts';
import { observed } from '#functions/shared/observe/middleware.ts';
import type { Observability } from '#functions/shared/observe/powertools.ts';
import { batchStageReport } from '#functions/shared/observe/reports.ts';
import { environmentFaultsNamed, inputErrorsNotRetried } from '#functions/shared/stage-errors.ts';
import { type DownloadDeps, type DownloadedBatch, runDownload } from './run-download.ts';

/**
 * Time an invocation keeps for what follows its last wait on a paused host: one more request, and writing the
 * batch. Images whose host is still paused then are handed to the state machine's next pass.
 */
function deferralDeadline(context: Context | undefined, timeoutMs: number): number {
  const left = context?.getRemainingTimeInMillis?.();
  if (left === undefined || !Number.isFinite(left)) return Number.POSITIVE_INFINITY;
  return Date.now() + Math.max(0, left - timeoutMs - 30_000);
}

/**
 * Builds the download Lambda handler: parses a Batch or a Distributed Map `{ Items, BatchInput }` event
 * (InputError when invalid, which must not be retried) and runs the stage. Dependencies are built once.
 */
export function createDownloadHandler(
  deps: DownloadDeps | (() => Promise<DownloadDeps>),
  options: { observe?: Observability } = {},
) {
  const getDeps = depsGetter(deps);
  return middy(async (event: unknown, context: Context): Promise<DownloadedBatch> => {
    const batch = parseBatchEvent(event);
    const d = await getDeps();
    return runDownload(batch, { ...d, deadline: deferralDeadline(context, d.settings.timeoutMs) });
  })
    .use(options.observe ? observed(options.observe, batchStageReport('download')) : [])
    .use(inputErrorsNotRetried())
    .use(environmentFaultsNamed());
}
