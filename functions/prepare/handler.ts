import middy from '@middy/core';
import { depsGetter } from '#core/lazy.ts';
import { observed } from '#functions/shared/observe/middleware.ts';
import type { Observability } from '#functions/shared/observe/powertools.ts';
import { prepareReport } from '#functions/shared/observe/reports.ts';
import { inputErrorsNotRetried } from '#functions/shared/stage-errors.ts';
import { type PrepareDeps, type PrepareResult, runPrepare } from './run-prepare.ts';
import { parsePrepareEvent } from './schema.ts';

/**
 * Builds the prepare Lambda handler: `{ runId, catalogKey, lockTtlSeconds? }` in, PrepareResult out.
 * InputError (bad event, unusable catalog) must not be retried. Dependencies are built once per container.
 */
export function createPrepareHandler(
  deps: PrepareDeps | (() => Promise<PrepareDeps>),
  options: { observe?: Observability } = {},
) {
  const getDeps = depsGetter(deps);
  return middy(
    async (event: unknown): Promise<PrepareResult> => runPrepare(parsePrepareEvent(event), await getDeps()),
  )
    .use(options.observe ? observed(options.observe, prepareReport) : [])
    .use(inputErrorsNotRetried());
}
