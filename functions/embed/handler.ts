import middy from '@middy/core';
import { parseBatchEvent } from '../../core/batch-schema.ts';
import { depsGetter } from '../../core/lazy.ts';
import { environmentFaultsNamed, inputErrorsNotRetried } from '../stage-errors.ts';
import { type EmbedDeps, type EmbedResult, runEmbed } from './run-embed.ts';

/** Builds the embed Lambda handler; dependencies are built once per container. */
export function createEmbedHandler(deps: EmbedDeps | (() => Promise<EmbedDeps>)) {
  const getDeps = depsGetter(deps);
  return middy(
    async (event: unknown): Promise<EmbedResult> => runEmbed(parseBatchEvent(event), await getDeps()),
  )
    .use(inputErrorsNotRetried())
    .use(environmentFaultsNamed());
}

/** The deployed handler: dependencies built once per container from the environment the stack sets. */
export const handler = createEmbedHandler(async () =>
  (await import('../../cloud/stage-deps.ts')).embedDeps(),
);
