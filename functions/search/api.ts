export type { ApiDeps, ImageSearchSetup } from './api-deps.ts';

import { TAG_GROUP_NAMES } from '#core/tags/vocabulary.ts';
import type { ApiDeps } from './api-deps.ts';
import { type Api, type ApiRequest, type ApiResponse, MAX_URL_CHARS } from './api-types.ts';
import { CutoutCache } from './cutout-cache.ts';
import { damageMessage } from './damage-summary.ts';
import { assertTagFiltersOffered, cachedFacets, facetsView } from './facets.ts';
import { createImageRoute } from './image-route.ts';
import { refuseParameters } from './no-parameters.ts';
import { OPENAPI_DOCUMENT } from './openapi.ts';
import { productRoute } from './products.ts';
import { decodeQueryString } from './query-string.ts';
import { apiError, errorResponse, json, notReady, shown } from './responses.ts';
import { assertSameModel, runSearch } from './run-search.ts';
import { parseSearchParams } from './search-params.ts';
import { createStaticFiles } from './static-files.ts';

const RETRY_AFTER = { 'retry-after': '5' };
const READ = new Set(['GET', 'HEAD']);

/** Builds the framework-free router of the search API, `/healthz` and the static page. */
export function createApi(deps: ApiDeps): Api {
  const isReady = deps.isReady ?? (() => true);
  const onError = deps.onError ?? ((err: unknown) => console.error('search api: unexpected error:', err));
  const staticFiles = deps.webDir === undefined ? undefined : createStaticFiles(deps.webDir);
  const facets = cachedFacets(deps.store);
  const imageSearch = createImageRoute(deps);
  const productDeps = { ...deps, cutouts: new CutoutCache() };

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
    const isSearch = req.path === '/api/search';
    if (!READ.has(req.method) && !(isSearch && req.method === 'POST')) {
      const allow = isSearch ? 'GET, HEAD, POST' : 'GET, HEAD';
      return apiError(405, 'method_not_allowed', `${req.method} is not allowed here; use ${allow}`, {
        allow,
      });
    }
    // A health check's query is ignored: monitors add cache-busters (`?_=1700000000`), and a 400 would read as
    // a server down.
    if (req.path === '/healthz') return health();
    if (req.path === '/api/openapi.json') {
      refuseParameters(queryOf(req));
      return json(200, OPENAPI_DOCUMENT, { 'cache-control': 'no-cache' });
    }
    const known = isSearch || req.path === '/api/facets' || req.path.startsWith('/api/products/');
    if (!known) {
      if (req.path.startsWith('/api/') || !staticFiles) {
        return apiError(404, 'not_found', `nothing at ${shown(req.path)}`);
      }
      return staticFiles(req.path);
    }
    const query = queryOf(req);
    // Auto-tag filters only where the catalog has no column of that kind (facets are cached).
    const filters = isSearch || req.path.endsWith('/similar');
    const tagGroups = [...query.keys()].flatMap((k) => (k.startsWith('tag_') ? [k.slice(4)] : []));
    const asked = tagGroups.filter((g) => TAG_GROUP_NAMES.includes(g));
    if (filters && asked.length > 0 && isReady()) assertTagFiltersOffered(asked, await facets());
    if (isSearch && req.method === 'POST') return imageSearch(req, query, isReady);
    if (isSearch) {
      const input = parseSearchParams(query);
      if (!isReady()) return notReady();
      return json(200, await runSearch(input, deps));
    }
    if (!isReady()) return notReady();
    if (req.path === '/api/facets') {
      refuseParameters(query);
      return json(200, facetsView(await facets()));
    }
    return productRoute(req, query, productDeps);
  }

  async function health(): Promise<ApiResponse> {
    if (!isReady()) {
      return json(
        503,
        {
          status: 'starting',
          error: {
            code: 'not_ready',
            message: 'still starting: ingesting the catalog or loading the models and the index',
          },
        },
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
    const damage = deps.store.damage?.();
    if (damage) {
      // Still 200: search keeps serving every valid record; the counts say what it may lack.
      const counts = { lines: damage.lines.length, bytes: damage.bytes, products: damage.productIds.length };
      const message = damageMessage(damage);
      return json(200, {
        status: 'degraded',
        products,
        model: deps.text.modelId,
        damage: { ...counts, message },
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

/** The decoded query string: strictly from the raw one when the carrier has it. */
function queryOf(req: ApiRequest): URLSearchParams {
  if (req.rawQuery !== undefined) return new URLSearchParams(decodeQueryString(req.rawQuery));
  if (req.query instanceof URLSearchParams) return req.query;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(req.query)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  }
  return params;
}
