import middy from '@middy/core';
import { parseBatchEvent } from '#core/contracts/batch-schema.ts';
import { depsGetter } from '#core/lazy.ts';
import { observed } from '#functions/shared/observe/middleware.ts';
import type { Observability } from '#functions/shared/observe/powertools.ts';
import { embedReport } from '#functions/shared/observe/reports.ts';
import { environmentFaultsNamed, inputErrorsNotRetried } from '#functions/shared/stage-errors.ts';
import { type EmbedDeps, type EmbedResult, runEmbed } from './run-embed.ts';

/** Builds the embed Lambda handler; dependencies are built once per container. */
export function createEmbedHandler(
  deps: EmbedDeps | (() => Promise<EmbedDeps>),
  options: { observe?: Observability } = {},
) {
  const getDeps = depsGetter(deps);
  return middy(
    async (event: unknown): Promise<EmbedResult> => runEmbed(parseBatchEvent(event), await getDeps()),
  )
    .use(options.observe ? observed(options.observe, embedReport) : [])
    .use(inputErrorsNotRetried())
    .use(environmentFaultsNamed());
}
