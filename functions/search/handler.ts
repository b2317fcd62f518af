import middy from '@middy/core';
import { depsGetter, lazy } from '#core/lazy.ts';
import { observed } from '#functions/shared/observe/middleware.ts';
import type { Observability } from '#functions/shared/observe/powertools.ts';
import { searchReport } from '#functions/shared/observe/reports.ts';
import { type ApiDeps, createApi } from './api.ts';
import { fromHttpApiEvent, type HttpApiResult, toHttpApiResult } from './api-gateway.ts';
import { maxBodyBytes } from './api-types.ts';
import { bodyTooLarge } from './responses.ts';

/** A Lambda handler for API Gateway HTTP API (payload v2) events; `ready()` builds the dependencies now. */
export type SearchHandler = ((event: unknown, context?: unknown) => Promise<HttpApiResult>) & {
  ready(): Promise<unknown>;
};

/** Builds the search Lambda handler; `deps` (or the promise its factory returns) is built once per container. */
export function createSearchHandler(
  deps: ApiDeps | (() => Promise<ApiDeps>),
  options: { observe?: Observability } = {},
): SearchHandler {
  const getDeps = depsGetter(deps);
  const getApi = lazy(async () => createApi(await getDeps()));
  const answer = middy(async (event: unknown): Promise<HttpApiResult> => {
    const req = fromHttpApiEvent(event);
    const limit = maxBodyBytes(req.method, req.path);
    if (req.body && req.body.byteLength > limit) return toHttpApiResult(bodyTooLarge(limit));
    return toHttpApiResult(await (await getApi())(req));
  }).use(options.observe ? observed(options.observe, searchReport) : []);
  const handler = (event: unknown, context?: unknown) => answer(event, context as never);
  return Object.assign(handler, { ready: getApi });
}

/**
 * How long the module's init may wait for the models and Atlas: on demand, Lambda allows init 10 s and then
 * starts it again inside the first request, so it waits at most 9 s (the rest continues in that request);
 * with provisioned concurrency init may take minutes, so it waits for everything.
 */
export function initWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  if (!env.AWS_LAMBDA_FUNCTION_NAME) return 0;
  return env.AWS_LAMBDA_INITIALIZATION_TYPE === 'provisioned-concurrency' ? Number.POSITIVE_INFINITY : 9_000;
}
