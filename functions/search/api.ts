import type { TextEmbedder } from '../../core/ports/models.ts';
import type { VectorStore } from '../../core/ports/vector-store.ts';
import { type Api, type ApiRequest, type ApiResponse, MAX_URL_CHARS } from './api-types.ts';
import { decodeQueryString } from './query-string.ts';
import { apiError, errorResponse, json, shown } from './responses.ts';
import { assertSameModel, runSearch } from './run-search.ts';
import { parseSearchParams } from './search-params.ts';
import { createStaticFiles } from './static-files.ts';

/** What the search API needs; the same for the local server and the Lambda. */
export interface ApiDeps {
  text: TextEmbedder;
  store: VectorStore;
  /** False while models or the store are still loading; `/healthz` and search answer 503 meanwhile. */
  isReady?: () => boolean;
  /** Folder of the static page; without it only the JSON routes exist. */
  webDir?: string;
  /** Receives unexpected errors (answered with a bare 500); default: one line on stderr. */
  onError?: (err: unknown) => void;
}

const ALLOW = 'GET, HEAD';
const RETRY_AFTER = { 'retry-after': '5' };

/** Builds the framework-free router of the search API: `/api/search`, `/healthz` and the static page. */
export function createApi(deps: ApiDeps): Api {
  const isReady = deps.isReady ?? (() => true);
  const onError = deps.onError ?? ((err: unknown) => console.error('search api: unexpected error:', err));
  const staticFiles = deps.webDir === undefined ? undefined : createStaticFiles(deps.webDir);

  async function route(req: ApiRequest): Promise<ApiResponse> {
    if (!req.path.startsWith('/')) return apiError(400, 'invalid_path', 'request path must start with "/"');
    const urlChars = req.path.length + (req.rawQuery?.length ?? 0);
    if (urlChars > MAX_URL_CHARS) {
      return apiError(
        414,
        'uri_too_long',
        `the URL has ${urlChars} characters; the limit is ${MAX_URL_CHARS}`,
      );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return apiError(405, 'method_not_allowed', `${req.method} is not allowed here; use GET`, {
        allow: ALLOW,
      });
    }
    if (req.path === '/api/search') return search(req);
    if (req.path === '/healthz') return health();
    if (req.path.startsWith('/api/') || !staticFiles) {
      return apiError(404, 'not_found', `nothing at ${shown(req.path)}`);
    }
    return staticFiles(req.path);
  }

  async function search(req: ApiRequest): Promise<ApiResponse> {
    const query =
      req.rawQuery === undefined ? req.query : new URLSearchParams(decodeQueryString(req.rawQuery));
    const input = parseSearchParams(query);
    if (!isReady()) return apiError(503, 'not_ready', 'the search service is still starting', RETRY_AFTER);
    return json(200, await runSearch(input, deps));
  }

  async function health(): Promise<ApiResponse> {
    if (!isReady()) {
      return json(
        503,
        { status: 'starting', error: { code: 'not_ready', message: 'models or store still loading' } },
        RETRY_AFTER,
      );
    }
    const [info, products] = await Promise.all([deps.store.info(), deps.store.count()]);
    try {
      if (info) assertSameModel(info, deps.text);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return json(503, {
        status: 'model_mismatch',
        products,
        model: info?.model,
        error: { code: 'model_mismatch', message },
      });
    }
    return json(200, { status: 'ok', products, model: deps.text.modelId });
  }

  return async (req) => {
    let res: ApiResponse;
    try {
      res = await route(req);
    } catch (err) {
      res = errorResponse(err, onError);
    }
    return req.method === 'HEAD' ? { ...res, body: '' } : res;
  };
}
