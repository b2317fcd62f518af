// The page's state lives in the URL, so a result can be shared, reloaded and reached with the back button.
import { VOCABULARY } from './vocabulary.js';

/** The filter parameter of a vocabulary group's auto-tag, the same as the API's: `tag_colour`, ... */
export const tagParam = (group) => `tag_${group}`;

/** URL parameter names of the filters, the same as the API's. */
export const FILTER_PARAMS = [
  'category',
  'color',
  'price_min',
  'price_max',
  ...VOCABULARY.map((group) => tagParam(group.name)),
  'k',
];

/**
 * The state a URL describes: `q` (the sentence), `product` (the focused product id), `imageUrl` (a photo
 * address), `upload` (results of an uploaded photo, which cannot live in a URL) and `filters`.
 */
export function stateFromUrl(href) {
  const p = new URL(href).searchParams;
  const filters = {};
  for (const key of FILTER_PARAMS) {
    const value = p.get(key)?.trim();
    if (value) filters[key] = value;
  }
  return {
    q: p.get('q') ?? '',
    product: p.get('product') ?? '',
    imageUrl: p.get('image_url') ?? '',
    upload: p.get('photo') === 'upload',
    filters,
  };
}

/** The page URL for `state`, relative to `base`. */
export function urlFromState(state, base) {
  const url = new URL(base);
  const p = new URLSearchParams();
  if (state.q) p.set('q', state.q);
  if (state.product) p.set('product', state.product);
  else if (state.imageUrl) p.set('image_url', state.imageUrl);
  else if (state.upload) p.set('photo', 'upload');
  for (const key of FILTER_PARAMS) if (state.filters?.[key]) p.set(key, state.filters[key]);
  url.search = p.toString();
  url.hash = '';
  return url.href;
}

/** What a state asks the page to show: a product's look-alikes, a photo search, a text search or nothing. */
export function modeOf(state) {
  if (state.product) return 'product';
  if (state.imageUrl) return 'url';
  if (state.upload) return 'upload';
  if (state.q.trim()) return 'text';
  return 'none';
}
