// Renders products: the focused one large with every photo, the alternatives as links to their own look-alikes.
import { el, isSameOriginPath, isWebUrl } from './dom.js';
import { VOCABULARY } from './vocabulary.js';

const NOT_DETAILS = new Set([
  'id',
  'score',
  'images',
  'maskedImages',
  'imagesUsed',
  'name',
  'price',
  'currency',
  'product_url',
]);
const LABELS = { color: 'Colour', garment: 'Garment', category: 'Category', pattern: 'Pattern' };

/** The product's price as text ("39.99", or "€39.99" when the catalog names a currency), or ''. */
export function priceText(product) {
  const price = Number(product.price);
  if (product.price === undefined || product.price === '' || !Number.isFinite(price)) return '';
  try {
    if (typeof product.currency === 'string' && product.currency) {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency: product.currency }).format(
        price,
      );
    }
  } catch {
    // an unknown currency code: show the bare number
  }
  return price.toFixed(2);
}

function nameOf(product) {
  return String(product.name ?? product.id);
}

/** The photos to show: originals, or cut-outs where they exist (falling back to the original). */
function photos(product, cutOuts) {
  const originals = Array.isArray(product.images) ? product.images : [];
  const masked = Array.isArray(product.maskedImages) ? product.maskedImages : [];
  return originals
    .map((src, i) => (cutOuts && isSameOriginPath(masked[i]) ? masked[i] : src))
    .filter((src) => isWebUrl(src) || isSameOriginPath(src));
}

/** True when the product has at least one segmented image. */
export function hasCutOuts(product) {
  return Array.isArray(product.maskedImages) && product.maskedImages.some(isSameOriginPath);
}

function image(src, alt) {
  const img = el('img', { src, alt, referrerpolicy: 'no-referrer' });
  img.addEventListener('error', () => img.closest('li')?.classList.add('broken'), { once: true });
  return img;
}

/** The focused product: name, price, every photo, its details and a link to the shop. */
export function renderBest(product, { cutOuts, onCutOuts }) {
  const name = nameOf(product);
  const box = el('article', {
    class: 'product best',
    'data-testid': 'best-match',
    'data-product-id': product.id,
    'aria-labelledby': 'best-name',
  });
  const head = el('div', { class: 'best-head' });
  head.append(el('h2', { id: 'best-name' }, name));
  const price = priceText(product);
  if (price) head.append(el('p', { class: 'price', 'data-testid': 'price' }, price));
  box.append(head);
  if (hasCutOuts(product)) box.append(viewSwitch(cutOuts, onCutOuts));
  const gallery = el('ul', { class: 'gallery', 'aria-label': `Photos of ${name}` });
  const list = photos(product, cutOuts);
  list.forEach((src, i) => {
    const item = el('li');
    item.append(image(src, `${name}, ${cutOuts ? 'cut-out ' : 'photo '}${i + 1} of ${list.length}`));
    gallery.append(item);
  });
  box.append(gallery);
  box.append(details(product));
  if (isWebUrl(product.product_url)) {
    box.append(
      el(
        'a',
        { class: 'shop-link', href: product.product_url, target: '_blank', rel: 'noopener noreferrer' },
        'View in the shop (opens a new tab)',
      ),
    );
  }
  return box;
}

function viewSwitch(cutOuts, onCutOuts) {
  const group = el('div', { class: 'view-switch', role: 'group', 'aria-label': 'Show photos as' });
  const photosButton = el('button', { type: 'button', 'data-testid': 'show-photos' }, 'Photos');
  const cutButton = el('button', { type: 'button', 'data-testid': 'show-cutouts' }, 'Cut-outs');
  photosButton.setAttribute('aria-pressed', String(!cutOuts));
  cutButton.setAttribute('aria-pressed', String(cutOuts));
  photosButton.addEventListener('click', () => onCutOuts(false));
  cutButton.addEventListener('click', () => onCutOuts(true));
  group.append(photosButton, cutButton);
  return group;
}

function details(product) {
  const list = el('dl', { class: 'details' });
  for (const [key, value] of Object.entries(product)) {
    if (
      NOT_DETAILS.has(key) ||
      value === null ||
      value === undefined ||
      value === '' ||
      typeof value === 'object'
    ) {
      continue;
    }
    const label = LABELS[key] ?? key.charAt(0).toUpperCase() + key.slice(1).replaceAll('_', ' ');
    list.append(el('dt', {}, label), el('dd', {}, value));
  }
  // Guessed from the photos, apart from what the shop says, and marked as such; the shop's own column wins.
  const tags = product.autoTags && typeof product.autoTags === 'object' ? product.autoTags : {};
  for (const group of VOCABULARY) {
    const value = tags[group.name]?.value;
    if (typeof value !== 'string' || value === '') continue;
    if (group.columns.some((column) => product[column] !== undefined && product[column] !== '')) continue;
    const term = el('dt', { class: 'auto-tagged' }, `${group.label} (auto-tagged)`);
    list.append(term, el('dd', { 'data-testid': `auto-tag-${group.name}` }, value));
  }
  return list;
}

/** One alternative: a link (Tab, Enter) to its own look-alikes, with its first photo that loads. */
export function renderAlternative(product, { href, cutOuts, onOpen }) {
  const name = nameOf(product);
  const item = el('li');
  const link = el('a', { class: 'alt', href, 'data-testid': 'alternative', 'data-product-id': product.id });
  const frame = el('span', { class: 'alt-photo' });
  const list = photos(product, cutOuts);
  if (list.length > 0) {
    const img = el('img', { src: list[0], alt: '', referrerpolicy: 'no-referrer' });
    let next = 1;
    img.addEventListener('error', () => {
      if (next < list.length) img.src = list[next++];
      else frame.classList.add('broken');
    });
    frame.append(img);
  }
  link.append(frame, el('span', { class: 'alt-name' }, name));
  const price = priceText(product);
  if (price) link.append(el('span', { class: 'price' }, price));
  link.addEventListener('click', (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    onOpen(product.id);
  });
  item.append(link);
  return item;
}
