// The garment features a shopper can pick, and how picks become words of the query sentence. No DOM here.
import { VOCABULARY } from './vocabulary.js';

/**
 * Each feature: its name (data-testid `feature-<name>`), its label and its choices, from the vocabulary the
 * auto-tagger reads too (vocabulary.js), so a picker's choices are the tags a product can get.
 */
export const FEATURES = VOCABULARY.map((group) => ({
  name: group.name,
  label: group.label,
  choices: [...group.values],
}));

/** Where each feature's words go in the sentence: adjectives first, the garment, then the occasion. */
const ORDER = ['fit', 'length', 'colour', 'pattern', 'material', 'sleeve', 'neckline', 'type', 'occasion'];

const WORDS = Object.fromEntries(VOCABULARY.map((group) => [group.name, group.words ?? {}]));

/** The words a choice adds: most are the choice itself, an occasion reads "for the office". */
export function phraseFor(name, value) {
  if (!value) return '';
  return WORDS[name]?.[value] ?? (name === 'occasion' ? `for ${value}` : value);
}

/** The sentence the picks alone make, e.g. "slim red striped shirt for the office". */
export function composeSentence(picks) {
  return ORDER.map((name) => phraseFor(name, picks[name]))
    .filter(Boolean)
    .join(' ');
}

/** Where `phrase` occurs in `text` as whole words (case-insensitive; "-" joins words, so no shirt in t-shirt), or -1. */
function findPhrase(text, phrase) {
  if (!phrase) return -1;
  const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(^|[\\s,;])(${escaped})(?=$|[\\s,;.!?])`, 'i').exec(text);
  return match ? match.index + match[1].length : -1;
}

function tidy(text) {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The query after one pick changed. Untouched sentences are rebuilt; words the shopper typed are kept: the
 * previous sentence is swapped where it still appears, else only the changed feature's words are swapped
 * (or added at the end).
 */
export function updateQuery(current, before, after, name) {
  const text = tidy(current);
  const oldSentence = composeSentence(before);
  const newSentence = composeSentence(after);
  if (text === '' || text.toLowerCase() === oldSentence.toLowerCase()) return newSentence;
  const at = findPhrase(text, oldSentence);
  if (oldSentence && at >= 0) {
    return tidy(text.slice(0, at) + newSentence + text.slice(at + oldSentence.length));
  }
  const oldPhrase = phraseFor(name, before[name]);
  const newPhrase = phraseFor(name, after[name]);
  const where = findPhrase(text, oldPhrase);
  if (where >= 0) return tidy(text.slice(0, where) + newPhrase + text.slice(where + oldPhrase.length));
  return tidy(`${text} ${newPhrase}`);
}

/** The picks a sentence already contains (for a shared URL), feature by feature; the longest words win. */
export function picksIn(text) {
  const picks = {};
  for (const feature of FEATURES) {
    const found = feature.choices
      .filter((value) => findPhrase(text, phraseFor(feature.name, value)) >= 0)
      .sort((a, b) => b.length - a.length);
    if (found[0]) picks[feature.name] = found[0];
  }
  return picks;
}
