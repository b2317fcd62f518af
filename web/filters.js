// Filters on catalog metadata, and on auto-tags where the catalog has no such column (GET /api/facets): shown only
// for what the catalog has.
import { el } from './dom.js';
import { tagParam } from './state.js';
import { VOCABULARY } from './vocabulary.js';

const METADATA_FILTERS = ['category', 'color', 'price_min', 'price_max'];
const TAG_FILTERS = VOCABULARY.map((group) => tagParam(group.name));

/**
 * Adds one select per vocabulary group to `container`, hidden until the catalog's facets list auto-tags for it:
 * `tag_<group>`, data-testid `filter-tag-<group>`, labelled "<Label> (auto-tagged)".
 */
export function createTagFilters(container) {
  for (const group of VOCABULARY) {
    const id = `filter-tag-${group.name}`;
    const wrap = el('div', { class: 'filter auto-tag', hidden: true });
    const label = el('label', { for: id }, `${group.label} `);
    label.append(el('span', { class: 'auto-badge' }, '(auto-tagged)'));
    const select = el('select', { id, name: tagParam(group.name), 'data-testid': id });
    select.append(el('option', { value: '' }, 'any'));
    wrap.append(label, select);
    container.append(wrap);
  }
}

/** Fills the filter controls from the facets; hides each one the catalog has no values for. */
export function showFacets(form, facets) {
  const fieldset = form.querySelector('#filters');
  const category = form.elements.namedItem('category');
  const color = form.elements.namedItem('color');
  fill(category, facets?.categories, 'all categories');
  fill(color, facets?.colors, 'all colours');
  category.closest('.filter').hidden = !facets?.categories?.length;
  color.closest('.filter').hidden = !facets?.colors?.length;
  const price = facets?.price;
  const hasPrice = Boolean(price && Number.isFinite(price.min) && Number.isFinite(price.max));
  form.querySelector('#price-filter').hidden = !hasPrice;
  if (hasPrice) {
    for (const name of ['price_min', 'price_max']) {
      const input = form.elements.namedItem(name);
      input.min = String(Math.floor(price.min));
      input.max = String(Math.ceil(price.max));
    }
    form.elements.namedItem('price_min').placeholder = String(Math.floor(price.min));
    form.elements.namedItem('price_max').placeholder = String(Math.ceil(price.max));
  }
  const tags = new Map((Array.isArray(facets?.autoTags) ? facets.autoTags : []).map((t) => [t.group, t]));
  let anyTag = false;
  for (const group of VOCABULARY) {
    const select = form.elements.namedItem(tagParam(group.name));
    const values = tags.get(group.name)?.values ?? [];
    fill(select, values, 'any');
    const shown = values.length > 0;
    select.closest('.filter').hidden = !shown;
    anyTag ||= shown;
  }
  fieldset.hidden = !facets?.categories?.length && !facets?.colors?.length && !hasPrice && !anyTag;
}

function fill(select, values, anyLabel) {
  const current = select.value;
  select.replaceChildren(el('option', { value: '' }, anyLabel));
  const list = (Array.isArray(values) ? values : []).map(String);
  if (current && !list.includes(current)) list.push(current);
  for (const value of list) select.append(el('option', { value }, value));
  select.value = current;
}

/** The filter values set in the form (empty ones left out), with `k` kept from the current state. */
export function readFilters(form, k) {
  const filters = {};
  for (const name of [...METADATA_FILTERS, ...TAG_FILTERS]) {
    const control = form.elements.namedItem(name);
    if (control?.value.trim()) filters[name] = control.value.trim();
  }
  if (k) filters.k = k;
  return filters;
}

/** Puts the state's filters into the form; a value the catalog does not list is kept as an extra choice. */
export function writeFilters(form, filters) {
  for (const name of [...METADATA_FILTERS, ...TAG_FILTERS]) {
    const control = form.elements.namedItem(name);
    if (!control) continue;
    const value = filters[name] ?? '';
    if (
      control instanceof HTMLSelectElement &&
      value &&
      ![...control.options].some((o) => o.value === value)
    ) {
      control.append(el('option', { value }, value));
    }
    control.value = value;
    // A shared address may name an auto-tag filter before the facets arrive: show it.
    if (value && TAG_FILTERS.includes(name)) {
      control.closest('.filter').hidden = false;
      control.closest('#filters').hidden = false;
    }
  }
}

/** A price range that cannot be searched, in words, or ''. */
export function priceProblem(filters) {
  const min = filters.price_min === undefined ? undefined : Number(filters.price_min);
  const max = filters.price_max === undefined ? undefined : Number(filters.price_max);
  if ((min !== undefined && !(min >= 0)) || (max !== undefined && !(max >= 0))) {
    return 'Prices must be numbers of 0 or more.';
  }
  if (min !== undefined && max !== undefined && min > max) {
    return 'The lowest price is above the highest price. Please swap them.';
  }
  return '';
}
