import { depsGetter, lazy } from '../../core/lazy.ts';
import { type ApiDeps, createApi } from './api.ts';
import { fromHttpApiEvent, type HttpApiResult, toHttpApiResult } from './api-gateway.ts';
import { maxBodyBytes } from './api-types.ts';
import { bodyTooLarge } from './responses.ts';

/** A Lambda handler for API Gateway HTTP API (payload v2) events. */
export type SearchHandler = (event: unknown) => Promise<HttpApiResult>;

/** Builds the search Lambda handler; `deps` (or the promise its factory returns) is built once per container. */
export function createSearchHandler(deps: ApiDeps | (() => Promise<ApiDeps>)): SearchHandler {
  const getDeps = depsGetter(deps);
  const getApi = lazy(async () => createApi(await getDeps()));
  return async (event) => {
    const req = fromHttpApiEvent(event);
    const limit = maxBodyBytes(req.method, req.path);
    if (req.body && req.body.byteLength > limit) return toHttpApiResult(bodyTooLarge(limit));
    const answer = await getApi();
    return toHttpApiResult(await answer(req));
  };
}

/** The deployed entry point: text and image models from the image, MongoDB Atlas, masked images from S3. */
export const handler: SearchHandler = createSearchHandler(async () =>
  (await import('../../cloud/stage-deps.ts')).searchDeps(),
);
