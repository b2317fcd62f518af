// Calls to the search API, and what its errors mean in a shopper's words.

/** An API or network failure, with `message` ready to show. */
export class SearchError extends Error {
  constructor(message, { status = 0, code = '' } = {}) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const FILTER_KEYS = ['category', 'color', 'price_min', 'price_max', 'k'];

function params(filters, extra = {}) {
  const out = new URLSearchParams(extra);
  for (const key of FILTER_KEYS) if (filters[key]) out.set(key, filters[key]);
  return out;
}

/** Text search: `{query, best, alternatives}`. */
export function searchText(q, filters, signal) {
  return call(`/api/search?${params(filters, { q })}`, { signal }, 'text');
}

/** Photo search with the bytes of a file: `{best, alternatives, queryImage}`. */
export function searchUpload(file, filters, signal) {
  return call(
    `/api/search?${params(filters)}`,
    { method: 'POST', body: file, headers: { 'content-type': file.type }, signal },
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

/** The words a shopper sees for a failed request. */
export function explain(status, code, serverMessage, kind) {
  if (code === 'not_ready' || status === 503) {
    return 'The shop is still getting ready. Please try again in a moment.';
  }
  if (code === 'payload_too_large' || code === 'body_too_large' || status === 413) {
    return 'That photo is too large. Please use a photo under 8 MB.';
  }
  if (code === 'not_an_image' || code === 'unsupported_media_type' || status === 415) {
    return kind === 'url'
      ? 'The address does not lead to a photo we can use. Please use a JPEG, PNG or WebP picture.'
      : 'That file is not a photo we can use. Please choose a JPEG, PNG or WebP picture.';
  }
  if (code === 'product_not_found' || (kind === 'product' && status === 404)) {
    return 'We could not find that product any more. It may have been removed from the shop.';
  }
  if (status === 414 || code === 'query_too_long') return 'That description is too long. Please shorten it.';
  if (kind === 'url' && status >= 400 && status < 500) {
    return `We could not fetch a picture from that address${serverMessage ? ` (${serverMessage})` : ''}.`;
  }
  if (status >= 400 && status < 500) {
    return `We could not run that search${serverMessage ? `: ${serverMessage}` : '.'}`;
  }
  return 'Something went wrong on our side. Please try again in a moment.';
}
