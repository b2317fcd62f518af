// The garment features a shopper can pick, and how picks become words of the query sentence. No DOM here.

/** Each feature: its name (data-testid `feature-<name>`), its label and its choices as [value, words]. */
export const FEATURES = [
  {
    name: 'type',
    label: 'Garment',
    choices: [
      't-shirt',
      'shirt',
      'blouse',
      'dress',
      'skirt',
      'trousers',
      'jeans',
      'shorts',
      'jumper',
      'jacket',
      'coat',
    ],
  },
  {
    name: 'colour',
    label: 'Colour',
    choices: [
      'red',
      'pink',
      'orange',
      'yellow',
      'green',
      'blue',
      'navy',
      'purple',
      'beige',
      'brown',
      'grey',
      'black',
      'white',
    ],
  },
  {
    name: 'pattern',
    label: 'Pattern',
    choices: ['plain', 'striped', 'checked', 'polka-dot', 'floral', 'printed'],
  },
  { name: 'sleeve', label: 'Sleeves', choices: ['sleeveless', 'short-sleeved', 'long-sleeved'] },
  {
    name: 'neckline',
    label: 'Neckline',
    choices: ['crew-neck', 'v-neck', 'collared', 'turtleneck', 'off-shoulder'],
  },
  { name: 'fit', label: 'Fit', choices: ['slim', 'regular', 'loose', 'oversized'] },
  { name: 'length', label: 'Length', choices: ['cropped', 'short', 'knee-length', 'midi', 'long'] },
  {
    name: 'material',
    label: 'Material',
    choices: ['cotton', 'denim', 'linen', 'wool', 'silk', 'leather', 'knit'],
  },
  {
    name: 'occasion',
    label: 'Occasion',
    choices: ['casual', 'office', 'party', 'wedding', 'beach', 'sport'],
  },
];

/** Where each feature's words go in the sentence: adjectives first, the garment, then the occasion. */
const ORDER = ['fit', 'length', 'colour', 'pattern', 'material', 'sleeve', 'neckline', 'type', 'occasion'];

const OCCASION_WORDS = {
  casual: 'for every day',
  office: 'for the office',
  party: 'for a party',
  wedding: 'for a wedding',
  beach: 'for the beach',
  sport: 'for sport',
};

/** The words a choice adds: most are the choice itself, an occasion reads "for the office". */
export function phraseFor(name, value) {
  if (!value) return '';
  return name === 'occasion' ? (OCCASION_WORDS[value] ?? `for ${value}`) : value;
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
