import { VOCABULARY, type VocabularyGroupData } from '#web/vocabulary.js';

/**
 * The tag vocabulary: the page's nine feature groups (type, colour, pattern, sleeve, neckline, fit, length,
 * material, occasion) and their values, read from the one file the page's pickers read (web/vocabulary.js), so
 * the pickers and the tagger cannot drift. Checked once at load: a malformed file throws here, not mid-run.
 */
export interface TagGroup {
  /** The group's name: the picker's name, the key of its auto-tag, the filter parameter `tag_<name>`. */
  name: string;
  label: string;
  /** Catalog columns that hold the same fact; a catalog with one of them has no auto-tag facet for the group. */
  columns: readonly string[];
  values: readonly string[];
  /** How each value describes a garment in a tag prompt, with its article ("a red garment"). */
  descriptions: Readonly<Record<string, string>>;
  /** Other spellings (lower case) of each value, as catalogs write them. */
  aliases: Readonly<Record<string, readonly string[]>>;
}

/** Group names and values: lower-case words joined by hyphens, safe as a MongoDB path and a URL parameter. */
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

function fail(message: string): never {
  throw new Error(`web/vocabulary.js: ${message}`);
}

/** "a red garment", "an oversized garment": the indefinite article by the first letter. */
function withArticle(phrase: string): string {
  return `${/^[aeiou]/.test(phrase) ? 'an' : 'a'} ${phrase}`;
}

function checkGroup(raw: VocabularyGroupData, seen: Set<string>): TagGroup {
  const { name } = raw;
  if (typeof name !== 'string' || !NAME.test(name)) fail(`group name ${JSON.stringify(name)} is not a word`);
  if (seen.has(name)) fail(`group ${name} appears twice`);
  seen.add(name);
  const values = raw.values;
  if (!Array.isArray(values) || values.length < 2) fail(`group ${name} needs at least two values`);
  for (const value of values) {
    if (typeof value !== 'string' || !NAME.test(value)) {
      fail(`group ${name}: value ${JSON.stringify(value)} is not a lower-case word`);
    }
  }
  if (new Set(values).size !== values.length) fail(`group ${name} lists a value twice`);
  if (typeof raw.label !== 'string' || raw.label === '') fail(`group ${name} has no label`);
  if (!Array.isArray(raw.columns) || raw.columns.length === 0) fail(`group ${name} names no catalog column`);
  if (typeof raw.phrase !== 'string' || !/\{(value|words)\}/.test(raw.phrase)) {
    fail(`group ${name}: phrase must contain {value} or {words}`);
  }
  for (const field of ['phrases', 'words', 'aliases'] as const) {
    for (const key of Object.keys(raw[field] ?? {})) {
      if (!values.includes(key)) fail(`group ${name}: ${field} names ${JSON.stringify(key)}, not a value`);
    }
  }
  const descriptions: Record<string, string> = {};
  for (const value of values) {
    const words = raw.words?.[value] ?? value;
    const phrase = raw.phrases?.[value] ?? raw.phrase.replace('{value}', value).replace('{words}', words);
    descriptions[value] = withArticle(phrase);
  }
  const aliases: Record<string, string[]> = {};
  for (const [value, list] of Object.entries(raw.aliases ?? {}))
    aliases[value] = list.map((a) => a.toLowerCase());
  return {
    name,
    label: raw.label,
    columns: [...raw.columns],
    values: [...values],
    descriptions,
    aliases,
  };
}

function loadVocabulary(raw: readonly VocabularyGroupData[]): readonly TagGroup[] {
  if (!Array.isArray(raw) || raw.length === 0) fail('VOCABULARY must be a non-empty array of groups');
  const seen = new Set<string>();
  return Object.freeze(raw.map((group) => Object.freeze(checkGroup(group, seen))));
}

/** Every group of the vocabulary, in the page's order. */
export const TAG_VOCABULARY: readonly TagGroup[] = loadVocabulary(VOCABULARY);

/** The group names, in order. */
export const TAG_GROUP_NAMES: readonly string[] = TAG_VOCABULARY.map((g) => g.name);

/** The group called `name`, or undefined. */
export function tagGroup(name: string): TagGroup | undefined {
  return TAG_VOCABULARY.find((g) => g.name === name);
}

const fold = (text: string) =>
  text
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');

/**
 * The vocabulary value a catalog's text stands for in `group` ("Stripes" -> "striped", "Gray" -> "grey",
 * "polka dot" -> "polka-dot"), or undefined when the vocabulary has no such value.
 */
export function vocabularyValue(group: TagGroup, text: string | number): string | undefined {
  const wanted = fold(String(text));
  if (wanted === '') return undefined;
  return group.values.find(
    (value) => fold(value) === wanted || (group.aliases[value] ?? []).some((a) => fold(a) === wanted),
  );
}

/** The catalog column of `group` that `metadata` fills (first in the group's order), with its value. */
export function metadataFor(
  group: TagGroup,
  metadata: Readonly<Record<string, string | number>>,
): { column: string; value: string | number } | undefined {
  for (const column of group.columns) {
    const value = metadata[column];
    if (value !== undefined && String(value).trim() !== '') return { column, value };
  }
  return undefined;
}
