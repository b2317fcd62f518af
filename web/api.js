// Calls to the search API, and what its errors mean in a shopper's words.
import { shrinkForUpload } from './photo.js';
import { FILTER_PARAMS } from './state.js';

/** An API or network failure, with `message` ready to show. */
export class SearchError extends Error {
  constructor(message, { status = 0, code = '' } = {}) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function params(filters, extra = {}) {
  const out = new URLSearchParams(extra);
  for (const key of FILTER_PARAMS) if (filters[key]) out.set(key, filters[key]);
  return out;
}

/** Text search: `{query, best, alternatives}`. */
export function searchText(q, filters, signal) {
  return call(`/api/search?${params(filters, { q })}`, { signal }, 'text');
}

/** Photo search with the bytes of a file (re-encoded smaller when large): `{best, alternatives, queryImage}`. */
export async function searchUpload(file, filters, signal) {
  const body = await shrinkForUpload(file);
  return call(
    `/api/search?${params(filters)}`,
    { method: 'POST', body, headers: { 'content-type': body.type }, signal },
    'upload',
  );
}

/** Photo search with an image address the server fetches. */
export function searchImageUrl(imageUrl, filters, signal) {
  return call(
    `/api/search?${params(filters)}`,
    {
      method: 'POST',
      body: JSON.stringify({ imageUrl }),
      headers: { 'content-type': 'application/json' },
      signal,
    },
    'url',
  );
}

/** A product and its look-alikes: `{product, alternatives}`. */
export function similarTo(id, filters, signal) {
  return call(`/api/products/${encodeURIComponent(id)}/similar?${params(filters)}`, { signal }, 'product');
}

/** The filter values the catalog has; null when the server cannot tell (the filters then stay hidden). */
export async function facets() {
  try {
    return await call('/api/facets', {}, 'facets');
  } catch {
    return null;
  }
}

async function call(url, init, kind) {
  let res;
  try {
    res = await fetch(url, { ...init, headers: { accept: 'application/json', ...init.headers } });
  } catch (err) {
    if (init.signal?.aborted) throw err;
    throw new SearchError('We could not reach the shop. Check your connection and try again.');
  }
  const body = await res.json().catch(() => null);
  if (res.ok && body) return body;
  const code = body?.error?.code ?? '';
  throw new SearchError(explain(res.status, code, body?.error?.message, kind), { status: res.status, code });
}

const BY_CODE = {
  not_ready: 'The shop is still getting ready. Please try again in a moment.',
  model_mismatch: 'The shop is being updated. Please try again in a few minutes.',
  payload_too_large: 'That photo is too large. Please use a photo under 8 MB.',
  too_many_pixels: 'That photo has too many pixels. Please use a smaller photo.',
  image_search_unavailable:
    'Search by photo is not available right now. Please describe the garment instead.',
  missing_image: 'The photo did not arrive. Please choose it again.',
  invalid_image_url: 'That does not look like a picture address. It should start with https://',
  blocked_host:
    'We cannot fetch pictures from that address. Please download the picture and upload it instead.',
  image_fetch_failed:
    'We could not fetch a picture from that address. Check that it opens in your browser, or download the picture and upload it.',
  product_not_found: 'We could not find that product any more. It may have been removed from the shop.',
  query_too_long: 'That description is too long. Please shorten it.',
  empty_query: 'Pick a few features or type what you are looking for, then press Search.',
  filter_unavailable: 'That filter is not available for this shop any more. Please remove it and try again.',
};

/** The words a shopper sees for a failed request. */
export function explain(status, code, serverMessage, kind) {
  if (BY_CODE[code]) return BY_CODE[code];
  if (code === 'not_an_image' || code === 'unsupported_media_type' || status === 415) {
    return kind === 'url'
      ? 'The address does not lead to a photo we can use. Please use a JPEG, PNG or WebP picture.'
      : 'That file is not a photo we can use. Please choose a JPEG, PNG or WebP picture.';
  }
  if (status === 413) return BY_CODE.payload_too_large;
  if (status === 414) return BY_CODE.query_too_long;
  if (status === 503) return BY_CODE.not_ready;
  if (kind === 'product' && status === 404) return BY_CODE.product_not_found;
  if (kind === 'url' && status >= 400 && status < 500) return BY_CODE.image_fetch_failed;
  if (status >= 400 && status < 500) {
    return `We could not run that search${serverMessage ? `: ${serverMessage}` : '.'}`;
  }
  return 'Something went wrong on our side. Please try again in a moment.';
}
