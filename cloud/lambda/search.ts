import { cloudConfig } from '#cloud/data-ports.ts';
import { cloudPorts } from '#cloud/model-ports.ts';
import { buildSearchDeps } from '#functions/search/deps.ts';
import { createSearchHandler, initWaitMs, type SearchHandler } from '#functions/search/handler.ts';
import { createObservability } from '#functions/shared/observe/powertools.ts';

/** The deployed search function: text and image models from the image, MongoDB Atlas, masks from S3. */
export const handler: SearchHandler = createSearchHandler(
  async () => buildSearchDeps(await cloudConfig(), await cloudPorts()),
  { observe: createObservability('search') },
);

// Init (module scope): the Secrets Manager read, the Atlas client and the text graph load before the first
// request, not inside API Gateway's 29 s. A failure here is left to the first request, which retries the build.
const waitMs = initWaitMs();
if (waitMs > 0) {
  const loading = handler.ready().catch(() => undefined);
  await (Number.isFinite(waitMs)
    ? Promise.race([loading, new Promise((resolve) => setTimeout(resolve, waitMs).unref())])
    : loading);
}
