import type { ApiDeps } from './api-deps.ts';
import type { ApiRequest, ApiResponse } from './api-types.ts';
import { MAX_IMAGE_BODY_BYTES } from './api-types.ts';
import { readQueryImage } from './image-request.ts';
import { runImageSearch } from './image-search.ts';
import { RequestError, UnavailableError } from './request-error.ts';
import { apiError, json, notReady } from './responses.ts';
import { parseSearchOptions } from './search-params.ts';

/** Longest wait for a shopper's `imageUrl` (capped below the download timeout): a search, not an ingestion. */
export const IMAGE_URL_TIMEOUT_MS = 10_000;

const UNAVAILABLE = 'image_search_unavailable';

/**
 * Image searches a server takes at once: one runs (the models use every core), the others wait their turn,
 * each holding its upload. Past this a search is answered 503 busy with a Retry-After, instead of a queue (and
 * memory) that grows with whatever a client sends.
 */
export const MAX_IMAGE_SEARCHES = 8;

/** Builds the handler of `POST /api/search`: one image in, the text search's answer out. */
export function createImageRoute(deps: ApiDeps) {
  const setup = deps.image;
  const exclusive = queue();
  const report = deps.onError ?? ((err: unknown) => console.error('search api: image models:', err));
  const loading = async <T>(what: string, load: () => Promise<T>): Promise<T> => {
    try {
      return await load();
    } catch (cause) {
      report(cause);
      throw new UnavailableError(
        503,
        `search by image is unavailable: the ${what} model cannot be loaded on this server`,
        UNAVAILABLE,
        { cause },
      );
    }
  };
  let admitted = 0;
  return async (req: ApiRequest, query: URLSearchParams, isReady: () => boolean): Promise<ApiResponse> => {
    const options = parseSearchOptions(query);
    if (!isReady()) return notReady();
    if (!setup) {
      throw new UnavailableError(501, 'search by image is not enabled on this server', UNAVAILABLE);
    }
    if (admitted >= MAX_IMAGE_SEARCHES) return busy();
    admitted++;
    try {
      return await search(req, options, setup);
    } finally {
      admitted--;
    }
  };

  async function search(
    req: ApiRequest,
    options: ReturnType<typeof parseSearchOptions>,
    setup: NonNullable<ApiDeps['image']>,
  ): Promise<ApiResponse> {
    const image = await readQueryImage(req, {
      http: setup.http,
      limits: {
        timeoutMs: setup.fetchTimeoutMs ?? IMAGE_URL_TIMEOUT_MS,
        maxBytes: MAX_IMAGE_BODY_BYTES,
        maxRedirects: 5,
      },
    });
    const result = await runImageSearch(image, options, {
      store: deps.store,
      segmenter: () => loading('segmentation', setup.segmenter),
      embedder: () => loading('image embedding', setup.embedder),
      background: setup.background,
      maxPixels: setup.maxPixels,
      duplicateThreshold: deps.duplicateThreshold,
      // A search whose client left while it waited is not run: its turn goes to the next.
      exclusive: (work) =>
        exclusive(() => {
          if (req.signal?.aborted)
            throw new RequestError(499, 'the client closed the connection', 'client_gone');
          return work();
        }),
    });
    return json(200, result);
  }
}

function busy(): ApiResponse {
  const message = `search by image is busy (${MAX_IMAGE_SEARCHES} searches running or waiting): try again shortly`;
  return apiError(503, 'busy', message, { 'retry-after': '2' });
}

/** Runs one task at a time, in order of arrival: image models are big and their runs use every core. */
function queue(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (work) => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}
