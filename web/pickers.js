// The feature pickers: one select per feature; each pick rewrites only its own words of the query sentence.
import { el } from './dom.js';
import { FEATURES, picksIn, updateQuery } from './features.js';

/** Builds the pickers into `container`; they edit `input` (the query sentence). */
export function createPickers(container, input) {
  const selects = new Map();
  let picks = {};
  for (const feature of FEATURES) {
    const id = `feature-${feature.name}`;
    const wrap = el('div', { class: 'picker' });
    const select = el('select', { id, name: id, 'data-testid': id });
    select.append(el('option', { value: '' }, 'any'));
    for (const value of feature.choices) select.append(el('option', { value }, value));
    select.addEventListener('change', () => {
      const after = { ...picks, [feature.name]: select.value };
      if (!select.value) delete after[feature.name];
      input.value = updateQuery(input.value, picks, after, feature.name);
      picks = after;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    wrap.append(el('label', { for: id }, feature.label), select);
    container.append(wrap);
    selects.set(feature.name, select);
  }
  return {
    /** Sets the pickers to what a sentence says (a shared URL, the back button). */
    syncFrom(text) {
      picks = picksIn(text);
      for (const [name, select] of selects) select.value = picks[name] ?? '';
    },
  };
}
