import middy from '@middy/core';
import { parseBatchEvent } from '#core/contracts/batch-schema.ts';
import { depsGetter } from '#core/lazy.ts';
import { observed } from '#functions/shared/observe/middleware.ts';
import type { Observability } from '#functions/shared/observe/powertools.ts';
import { embedReport } from '#functions/shared/observe/reports.ts';
import { environmentFaultsNamed, inputErrorsNotRetried } from '#functions/shared/stage-errors.ts';
import { type EmbedResult, runEmbed } from './run-embed.ts';
import { type EmbedStageDeps, ensureTagVocabulary } from './vocabulary-cache.ts';

/** Builds the embed Lambda handler; dependencies are built once per container. */
export function createEmbedHandler(
  deps: EmbedStageDeps | (() => Promise<EmbedStageDeps>),
  options: { observe?: Observability } = {},
) {
  const getDeps = depsGetter(deps);
  return middy(async (event: unknown): Promise<EmbedResult> => {
    const d = await getDeps();
    const result = await runEmbed(parseBatchEvent(event), d);
    // The tag vocabulary's text vectors for the aggregate step, once per model (never fails the batch).
    await ensureTagVocabulary(d);
    return result;
  })
    .use(options.observe ? observed(options.observe, embedReport) : [])
    .use(inputErrorsNotRetried())
    .use(environmentFaultsNamed());
}
