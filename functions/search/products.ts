import { createHash } from 'node:crypto';
import { DEFAULT_MAX_PIXELS } from '#core/config.ts';
import { contentHashOf, isMaskKey, isNoGarmentKey, originalsOfHash } from '#core/contracts/run-layout.ts';
import { environmentFaultOf } from '#core/env-fault.ts';
import { BlobNotFoundError } from '#core/errors.ts';
import { encodePng } from '#core/image/codec.ts';
import { cutout } from '#core/image/cutout.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { ApiRequest, ApiResponse } from './api-types.ts';
import type { CutoutCache } from './cutout-cache.ts';
import { refuseParameters } from './no-parameters.ts';
import { toView } from './product-view.ts';
import { apiError, json, SECURITY_HEADERS, shown } from './responses.ts';
import { findSimilar, type StoreDeps } from './run-search.ts';
import { parseSearchOptions } from './search-params.ts';

/** What the product routes need. */
export interface ProductRouteDeps extends StoreDeps {
  /** Where the masked images are; without it every masked image is 404. */
  blobs?: BlobStore;
  /** The colour and pixel cap cut-outs are made with (the image search's setup); default white, DEFAULT_MAX_PIXELS. */
  image?: { background: readonly [number, number, number]; maxPixels: number };
  /** Cut-outs made recently or being made; without it each request makes its own. */
  cutouts?: CutoutCache;
}

/**
 * Longest side of a cut-out the page shows (the photo's own size when smaller). Made on demand from the original
 * and its mask, which is stored at the segmenter's resolution and upsampled to this.
 */
const CUTOUT_MAX_SIDE = 1024;

const PREFIX = '/api/products/';

/**
 * The canonical spelling of an image index, so one image has one URL (and one cache entry): no sign, no leading
 * zero. Any index so written names an image or answers `image_not_found`, however large; anything else (`00`,
 * `-1`, `x`) addresses no image at all and answers `not_found`, as any other path the API does not have.
 */
const MASKED_INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * Answers `/api/products/{id}`, `/{id}/similar` and `/{id}/masked/{i}`; `query` is the decoded query string.
 * Ids are one percent-encoded path segment.
 */
export async function productRoute(
  req: ApiRequest,
  query: ApiRequest['query'],
  deps: ProductRouteDeps,
): Promise<ApiResponse> {
  const parts = req.path.slice(PREFIX.length).split('/');
  const id = decodeSegment(parts[0] ?? '');
  if (id === undefined)
    return apiError(400, 'invalid_path', `path ${shown(req.path)} has invalid percent-encoding`);
  const rest = parts.slice(1);
  if (id === '' || rest.length > 2) return notFound(req.path);
  if (rest.length === 0) {
    refuseParameters(query);
    const record = await deps.store.get(id);
    return record ? json(200, toView(record)) : productNotFound(id);
  }
  if (rest.length === 1 && rest[0] === 'similar') {
    const options = parseSearchOptions(query);
    const found = await findSimilar(id, options, deps);
    return found ? json(200, found) : productNotFound(id);
  }
  if (rest.length === 2 && rest[0] === 'masked') return masked(id, rest[1] ?? '', req, query, deps);
  return notFound(req.path);
}

async function masked(
  id: string,
  index: string,
  req: ApiRequest,
  query: ApiRequest['query'],
  deps: ProductRouteDeps,
): Promise<ApiResponse> {
  refuseParameters(query);
  if (!MASKED_INDEX.test(index)) {
    return apiError(
      404,
      'not_found',
      `nothing at ${shown(req.path)}: the masked image index "i" must be a whole number from 0, written ` +
        'without sign or leading zeros',
    );
  }
  const record = await deps.store.get(id);
  if (!record) return productNotFound(id);
  const key = record.maskedKeys?.[Number(index)];
  const missing = () =>
    apiError(404, 'image_not_found', `product ${JSON.stringify(shown(id))} has no masked image ${index}`);
  if (!key || !deps.blobs) return missing();
  const background = deps.image?.background ?? [255, 255, 255];
  const version = isMaskKey(key) ? `${key} ${background.join(',')}` : key;
  const etag = `"${createHash('sha256').update(version).digest('base64url').slice(0, 27)}"`;
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': 'image/png',
    'cache-control': 'public, max-age=3600',
    etag,
  };
  if (matchesIfNoneMatch(req.headers['if-none-match'], etag)) {
    return { status: 304, headers, body: '' };
  }
  const { blobs } = deps;
  const make = () => maskedImage(key, blobs, background, deps.image?.maxPixels);
  try {
    // HEAD says whether the image is there without making it.
    if (req.method === 'HEAD')
      return (await sourcesExist(key, blobs)) ? { status: 200, headers, body: '' } : missing();
    const body = deps.cutouts ? await deps.cutouts.get(etag, make) : await make();
    return { status: 200, headers, body };
  } catch (error) {
    if (error instanceof BlobNotFoundError) return missing();
    if (environmentFaultOf(error) || !(error instanceof Error)) throw error;
    // The stored photo or mask is there but does not decode (a damaged file): say so, not a bare 500.
    return apiError(
      500,
      'image_damaged',
      `the stored photo or mask of product ${JSON.stringify(shown(id))} image ${index} cannot be read ` +
        `(${error.message.split('\n')[0]?.slice(0, 200)}); threadfinder check finds such damage and ` +
        'check --repair lists the products to ingest again',
    );
  }
}

/**
 * The PNG the page shows for a masked key: a cut-out stored before masks as it is; for a garment mask, the
 * cut-out made now from the original (found by the content hash both keys are named after) and the mask.
 */
async function maskedImage(
  key: string,
  blobs: BlobStore,
  background: readonly [number, number, number],
  maxPixels = DEFAULT_MAX_PIXELS,
): Promise<Uint8Array> {
  if (!isMaskKey(key)) return blobs.get(key);
  const original = await originalOf(key, blobs);
  if (!original) throw new BlobNotFoundError(`${originalsOfHash(contentHashOf(key))}*`);
  const mask = isNoGarmentKey(key) ? undefined : await blobs.get(key);
  const image = await cutout(await blobs.get(original), mask, {
    maxPixels,
    maxSide: CUTOUT_MAX_SIDE,
    background,
  });
  return encodePng(image);
}

/** The stored original a mask key was made from (both are named after its content hash), if any. */
async function originalOf(key: string, blobs: BlobStore): Promise<string | undefined> {
  const [original] = await blobs.list(originalsOfHash(contentHashOf(key)));
  return original;
}

/** Whether what a masked key's image is made from is stored: the cut-out itself, or the original and the mask. */
async function sourcesExist(key: string, blobs: BlobStore): Promise<boolean> {
  if (!isMaskKey(key)) return blobs.has(key);
  const original = await originalOf(key, blobs);
  return original !== undefined && (isNoGarmentKey(key) || (await blobs.has(key)));
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function productNotFound(id: string): ApiResponse {
  return apiError(404, 'product_not_found', `no product with id ${JSON.stringify(shown(id))}`);
}

function notFound(path: string): ApiResponse {
  return apiError(404, 'not_found', `nothing at ${shown(path)}`);
}

/**
 * RFC 9110 13.1.2: If-None-Match uses the weak comparison (a `W/` prefix is ignored on either side), and `*`
 * matches any current representation.
 */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}
