// Filters on catalog metadata: shown only for the metadata the catalog has (GET /api/facets).
import { el } from './dom.js';

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
  fieldset.hidden = !facets?.categories?.length && !facets?.colors?.length && !hasPrice;
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
  for (const name of ['category', 'color', 'price_min', 'price_max']) {
    const control = form.elements.namedItem(name);
    if (control?.value.trim()) filters[name] = control.value.trim();
  }
  if (k) filters.k = k;
  return filters;
}

/** Puts the state's filters into the form; a value the catalog does not list is kept as an extra choice. */
export function writeFilters(form, filters) {
  for (const name of ['category', 'color', 'price_min', 'price_max']) {
    const control = form.elements.namedItem(name);
    const value = filters[name] ?? '';
    if (
      control instanceof HTMLSelectElement &&
      value &&
      ![...control.options].some((o) => o.value === value)
    ) {
      control.append(el('option', { value }, value));
    }
    control.value = value;
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
