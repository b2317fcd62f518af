// Threadfinder search page: plain ES modules, no dependencies. The URL holds the state; this file wires it up.
import { facets, searchImageUrl, searchText, searchUpload, similarTo } from './api.js';
import { createTagFilters, priceProblem, readFilters, showFacets, writeFilters } from './filters.js';
import { acceptPhotos, imageUrlProblem, photoProblem, previewOf } from './photo.js';
import { createPickers } from './pickers.js';
import {
  clearResults,
  emptyText,
  focusBest,
  headline,
  revealResults,
  setBusy,
  setStatus,
  showResults,
} from './results.js';
import { modeOf, stateFromUrl, urlFromState } from './state.js';

const form = document.getElementById('search-form');
const input = document.getElementById('query');
const searchButton = form.querySelector('[data-testid="search"]');
const urlForm = document.getElementById('url-form');
const urlInput = document.getElementById('image-url');
const preview = document.getElementById('photo-preview');
const pickers = createPickers(document.getElementById('pickers'), input);
createTagFilters(document.getElementById('tag-filters'));

/** Uploaded photos by history entry: a file cannot live in a URL, so back and forward find it here. */
const uploads = new Map();
let uploadCount = 0;
let catalog = null;
let cutOuts = false;
let shown = null;
let inFlight = null;
/** Settles once the filters are filled in (or known to be unavailable). */
const catalogKnown = facets().then((found) => {
  catalog = found;
  showFacets(form, found);
});

const LOADING = {
  text: 'Searching…',
  product: 'Finding similar products…',
  url: 'Fetching your picture and searching…',
  upload: 'Looking at your photo…',
};

function request(mode, state, signal) {
  if (mode === 'product') return similarTo(state.product, state.filters, signal);
  if (mode === 'url') return searchImageUrl(state.imageUrl, state.filters, signal);
  if (mode === 'upload') return searchUpload(uploads.get(state.uploadId).file, state.filters, signal);
  return searchText(state.q, state.filters, signal);
}

function cancel() {
  inFlight?.abort();
  inFlight = null;
  searchButton.disabled = false;
  setBusy(false);
}

function syncForm(state) {
  input.value = state.q;
  pickers.syncFrom(state.q);
  writeFilters(form, state.filters);
  urlInput.value = state.imageUrl;
  const photo = state.upload ? uploads.get(state.uploadId)?.preview : state.imageUrl;
  preview.hidden = !photo;
  if (photo) preview.src = photo;
  else preview.removeAttribute('src');
}

async function show(state, { focus = false, reveal = false } = {}) {
  cancel();
  syncForm(state);
  const mode = modeOf(state);
  const problem =
    priceProblem(state.filters) ||
    (mode === 'upload' && !uploads.has(state.uploadId)
      ? 'Photos are not kept in the page address: choose your photo again to see its matches.'
      : '');
  if (mode === 'none' || problem) {
    clearResults();
    shown = null;
    setStatus(problem, Boolean(problem));
    return;
  }
  const controller = new AbortController();
  inFlight = controller;
  setStatus(LOADING[mode]);
  setBusy(true);
  searchButton.disabled = true;
  try {
    const body = await request(mode, state, controller.signal);
    if (controller.signal.aborted) return;
    const best = mode === 'product' ? body.product : body.best;
    shown = best ? { best, alternatives: body.alternatives ?? [], mode, state } : null;
    if (!shown) {
      await catalogKnown;
      if (controller.signal.aborted) return;
      clearResults();
      setStatus(emptyText(catalog, state.filters));
      return;
    }
    render();
    setStatus(headline(shown.mode, best, body.query));
    if (focus) focusBest();
  } catch (err) {
    if (controller.signal.aborted) return;
    clearResults();
    shown = null;
    setStatus(err instanceof Error ? err.message : 'Something went wrong. Please try again.', true);
  } finally {
    if (inFlight === controller) {
      cancel();
      if (reveal && !focus) revealResults();
    }
  }
}

function render() {
  const { best, alternatives, mode, state } = shown;
  showResults(best, alternatives, {
    cutOuts,
    title: mode === 'product' ? 'More like this' : 'Similar products',
    hrefFor: (id) => urlFromState({ ...state, product: id }, location.href),
    onOpen: (id) => navigate({ ...state, product: id }, { focus: true }),
    onCutOuts: (value) => {
      cutOuts = value;
      render();
      document.querySelector(`[data-testid="${value ? 'show-cutouts' : 'show-photos'}"]`)?.focus();
    },
  });
}

function navigate(state, options) {
  const href = urlFromState(state, location.href);
  const entry = state.upload ? { uploadId: state.uploadId } : null;
  if (href !== location.href || state.upload) history.pushState(entry, '', href);
  else history.replaceState(entry, '', href);
  show(state, options);
}

function current() {
  return { ...stateFromUrl(location.href), uploadId: history.state?.uploadId };
}

function searchAgain(filters) {
  const state = current();
  navigate({ ...state, filters: { ...filters, ...(state.filters.k ? { k: state.filters.k } : {}) } });
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const state = current();
  const filters = readFilters(form, state.filters.k);
  const q = input.value.trim();
  if (q) return navigate({ q, product: '', imageUrl: '', upload: false, filters }, { reveal: true });
  if (modeOf(state) !== 'none' && modeOf(state) !== 'text') return searchAgain(filters);
  clearResults();
  setStatus('Pick a few features or type what you are looking for, then press Search.', true);
  input.focus();
});

form.addEventListener('change', (event) => {
  if (!event.target.closest('#filters')) return;
  const state = current();
  if (modeOf(state) !== 'none') searchAgain(readFilters(form));
});

input.addEventListener('input', (event) => {
  if (event.isTrusted) pickers.syncFrom(input.value);
});

urlForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const problem = imageUrlProblem(urlInput.value);
  if (problem) {
    setStatus(problem, true);
    urlInput.focus();
    return;
  }
  const filters = readFilters(form, current().filters.k);
  navigate({ q: '', product: '', imageUrl: urlInput.value.trim(), upload: false, filters }, { reveal: true });
});

acceptPhotos(document.getElementById('image-upload'), document.getElementById('drop-zone'), async (file) => {
  const problem = photoProblem(file);
  if (problem) {
    setStatus(problem, true);
    return;
  }
  const uploadId = ++uploadCount;
  uploads.set(uploadId, { file, preview: await previewOf(file) });
  const filters = readFilters(form, current().filters.k);
  navigate({ q: '', product: '', imageUrl: '', upload: true, uploadId, filters }, { reveal: true });
});

window.addEventListener('popstate', () => show(current()));

show(current());
