// Threadfinder search page: vanilla JS, no dependencies. Data is rendered with textContent only.
const form = document.getElementById('search-form');
const input = document.getElementById('query');
const button = form.querySelector('button');
const statusLine = document.getElementById('status');
const bestSection = document.getElementById('best');
const altSection = document.getElementById('alternatives-section');
const altList = document.getElementById('alternatives');

const SHOWN_FIRST = ['name', 'category', 'color', 'price'];
const HIDDEN = new Set(['id', 'score', 'images', 'imagesUsed', 'name', 'product_url']);

function setStatus(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', isError);
}

function clearResults() {
  bestSection.replaceChildren();
  altList.replaceChildren();
  altSection.hidden = true;
}

function isWebUrl(value) {
  try {
    const url = new URL(String(value));
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function renderProduct(product, tag, testId, scoreLabel) {
  const box = el(tag, { class: 'product', 'data-testid': testId });
  box.append(el('h3', {}, product.name ?? product.id));
  const images = el('div', { class: 'images' });
  for (const src of product.images.filter(isWebUrl)) {
    images.append(
      el('img', {
        src,
        alt: String(product.name ?? product.id),
        loading: 'lazy',
        referrerpolicy: 'no-referrer',
      }),
    );
  }
  box.append(images);
  const details = el('dl');
  const keys = [
    ...SHOWN_FIRST.filter((k) => k in product),
    ...Object.keys(product).filter((k) => !SHOWN_FIRST.includes(k)),
  ];
  for (const key of keys.filter((k) => !HIDDEN.has(k))) {
    details.append(el('dt', {}, key.replaceAll('_', ' ')), el('dd', {}, product[key]));
  }
  details.append(el('dt', {}, scoreLabel), el('dd', {}, product.score.toFixed(3)));
  if (isWebUrl(product.product_url)) {
    const link = el(
      'a',
      { href: product.product_url, rel: 'noopener noreferrer', target: '_blank' },
      'view in shop',
    );
    const cell = el('dd');
    cell.append(link);
    details.append(el('dt', {}, 'link'), cell);
  }
  box.append(details);
  return box;
}

/** The search in flight; a newer search or a cleared query aborts it, so a stale response never renders. */
let inFlight = null;

function cancelSearch() {
  inFlight?.abort();
  inFlight = null;
  button.disabled = false;
}

async function search(query) {
  cancelSearch();
  clearResults();
  if (query.trim() === '') {
    setStatus('Type what you are looking for.');
    return;
  }
  const controller = new AbortController();
  inFlight = controller;
  setStatus('Searching…');
  button.disabled = true;
  try {
    const res = await fetch(`/api/search?${new URLSearchParams({ q: query })}`, {
      signal: controller.signal,
    });
    const body = await res.json().catch(() => null);
    if (controller.signal.aborted) return;
    if (!res.ok) {
      setStatus(
        body?.error?.message ? `Search failed: ${body.error.message}` : `Search failed (HTTP ${res.status}).`,
        true,
      );
      return;
    }
    if (!body.best) {
      setStatus('No products yet: ingest a catalog, then search again.');
      return;
    }
    clearResults();
    setStatus(`Best match for “${body.query}”`);
    bestSection.append(renderProduct(body.best, 'article', 'best-match', 'match'));
    for (const alt of body.alternatives)
      altList.append(renderProduct(alt, 'li', 'alternative', 'similarity'));
    altSection.hidden = body.alternatives.length === 0;
  } catch {
    if (!controller.signal.aborted) {
      setStatus('Could not reach the server. Check that it is running and try again.', true);
    }
  } finally {
    if (inFlight === controller) {
      inFlight = null;
      button.disabled = false;
    }
  }
}

function runFromUrl() {
  const query = new URLSearchParams(location.search).get('q') ?? '';
  input.value = query;
  if (query) {
    search(query);
  } else {
    cancelSearch();
    clearResults();
    setStatus('');
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const query = input.value;
  const url = new URL(location.href);
  url.search = new URLSearchParams({ q: query }).toString();
  if (url.href !== location.href) history.pushState(null, '', url);
  search(query);
});
window.addEventListener('popstate', runFromUrl);
runFromUrl();
