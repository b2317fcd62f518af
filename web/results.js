// The results area: status line, the focused product and its alternatives.
import { renderAlternative, renderBest } from './render.js';

const statusLine = document.getElementById('status');
const results = document.getElementById('results');
const bestSection = document.getElementById('best');
const altSection = document.getElementById('alternatives-section');
const altTitle = document.getElementById('alternatives-title');
const altList = document.getElementById('alternatives');

/** Shows `text` in the status line (announced to screen readers); errors are marked as such. */
export function setStatus(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', isError);
}

/** Dims the results while a request runs. */
export function setBusy(busy) {
  results.setAttribute('aria-busy', String(busy));
  results.classList.toggle('busy', busy);
}

/** Removes every result. */
export function clearResults() {
  bestSection.replaceChildren();
  altList.replaceChildren();
  altSection.hidden = true;
}

/**
 * Shows `best` large and `alternatives` as links. `view` holds `cutOuts`, `title` (of the alternatives),
 * `hrefFor(id)` and the callbacks `onOpen(id)` and `onCutOuts(boolean)`.
 */
export function showResults(best, alternatives, view) {
  bestSection.replaceChildren(renderBest(best, view));
  altList.replaceChildren(
    ...alternatives.map((p) =>
      renderAlternative(p, { href: view.hrefFor(p.id), cutOuts: view.cutOuts, onOpen: view.onOpen }),
    ),
  );
  altTitle.textContent = view.title;
  altSection.hidden = alternatives.length === 0;
}

/** Moves keyboard focus to the focused product's name, for a keyboard user who just opened it. */
export function focusBest() {
  const heading = bestSection.querySelector('h2');
  if (!heading) return;
  heading.setAttribute('tabindex', '-1');
  heading.focus({ preventScroll: true });
  results.scrollIntoView({ block: 'start' });
}

/** Scrolls the status line to the top when a search the shopper started finished below the fold (phones). */
export function revealResults() {
  if (statusLine.getBoundingClientRect().top > window.innerHeight * 0.6) {
    statusLine.scrollIntoView({ block: 'start' });
  }
}

/** The status line above shown results. */
export function headline(mode, best, query) {
  if (mode === 'product') return `More like “${best.name ?? best.id}”`;
  if (mode === 'text') return `Best match for “${query}”`;
  return 'Best match for your photo';
}

/** Why nothing is shown, in words: an empty shop, filters that exclude everything, or no match. */
export function emptyText(catalog, filters) {
  if (catalog && catalog.products === 0) return 'The shop has no products yet. Please come back later.';
  if (Object.keys(filters).some((k) => k !== 'k')) {
    return 'No products match these filters. Try removing a filter or widening the price range.';
  }
  return 'No products match. Try other words or fewer features.';
}
