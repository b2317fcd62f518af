import { metadataFor, TAG_VOCABULARY, type TagGroup, vocabularyValue } from '#core/tags/vocabulary.ts';
import type { AutoTags, ProductMetadata } from '#core/types.ts';

/**
 * Agreement of the auto-tags with the catalog's metadata, for each vocabulary group whose column the catalog has
 * (the sample: type from `garment`, colour from `color`, pattern from `pattern`). A column value is read as a
 * vocabulary value through the vocabulary's spellings ("stripes" is striped, "gray" is grey); a value the
 * vocabulary lacks cannot be compared and is counted apart.
 */
export interface TagRow {
  group: string;
  /** The catalog columns read (those of the group that some product fills). */
  columns: string[];
  /** Products with a value in one of the columns. */
  products: number;
  /** Of those, products whose value is a vocabulary value: the ones a tag can agree with. */
  comparable: number;
  /** Of the comparable products, those with an auto-tag in the group (its margin cleared the threshold). */
  tagged: number;
  /** Tagged products whose tag is the column's value. */
  agreeing: number;
  /** tagged / comparable (0 when none is comparable). */
  coverage: number;
  /** agreeing / tagged (0 when none is tagged). */
  agreement: number;
  /** What picking a value at random would agree: 1 / the group's values (the "all" row: the mean over groups). */
  chance: number;
  /** Up to 5 column values the vocabulary has no value for, most frequent first. */
  notInVocabulary: string[];
}

/** Agreement over every compared tag whose margin is at least `margin`: how raising the threshold would do. */
export interface MarginRow {
  margin: number;
  tagged: number;
  agreement: number;
}

/** The tag-accuracy table of `threadfinder eval`. */
export interface TagAccuracy {
  rows: TagRow[];
  all: TagRow;
  byMargin: MarginRow[];
}

/** A product as tag accuracy reads it. */
export interface TaggedProduct {
  metadata: ProductMetadata;
  autoTags?: AutoTags;
}

/** Margin cutoffs of the by-margin line (tags below the run's threshold were never stored). */
export const MARGIN_CUTOFFS = [0.01, 0.02, 0.03, 0.05, 0.1] as const;

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** Tag accuracy over `products`, or why it cannot be measured. */
export function tagAccuracy(products: readonly TaggedProduct[]): TagAccuracy | { skipped: string } {
  const pairs: { margin: number; agrees: boolean }[] = [];
  const rows = TAG_VOCABULARY.flatMap((group) => {
    const row = groupRow(group, products, pairs);
    return row ? [row] : [];
  });
  if (rows.length === 0) {
    const columns = TAG_VOCABULARY.flatMap((g) => g.columns).join(', ');
    return { skipped: `the catalog has none of the vocabulary's columns (${columns})` };
  }
  if (!products.some((p) => p.autoTags && Object.keys(p.autoTags).length > 0)) {
    return {
      skipped:
        'no product is auto-tagged (ingest again: the embed stage caches the tag vocabulary when its text tower loads)',
    };
  }
  const sum = (f: (r: TagRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  const all: TagRow = {
    group: 'all',
    columns: [],
    products: sum((r) => r.products),
    comparable: sum((r) => r.comparable),
    tagged: sum((r) => r.tagged),
    agreeing: sum((r) => r.agreeing),
    coverage: ratio(
      sum((r) => r.tagged),
      sum((r) => r.comparable),
    ),
    agreement: ratio(
      sum((r) => r.agreeing),
      sum((r) => r.tagged),
    ),
    chance: ratio(
      sum((r) => r.chance),
      rows.length,
    ),
    notInVocabulary: [],
  };
  const byMargin = MARGIN_CUTOFFS.map((margin) => {
    const kept = pairs.filter((p) => p.margin >= margin);
    return {
      margin,
      tagged: kept.length,
      agreement: ratio(kept.filter((p) => p.agrees).length, kept.length),
    };
  });
  return { rows, all, byMargin };
}

function groupRow(
  group: TagGroup,
  products: readonly TaggedProduct[],
  pairs: { margin: number; agrees: boolean }[],
): TagRow | undefined {
  const columns = new Set<string>();
  const unknown = new Map<string, number>();
  let withColumn = 0;
  let comparable = 0;
  let tagged = 0;
  let agree = 0;
  for (const product of products) {
    const found = metadataFor(group, product.metadata);
    if (!found) continue;
    withColumn++;
    columns.add(found.column);
    const value = vocabularyValue(group, found.value);
    if (value === undefined) {
      const text = String(found.value).trim().toLowerCase();
      unknown.set(text, (unknown.get(text) ?? 0) + 1);
      continue;
    }
    comparable++;
    const tag = product.autoTags?.[group.name];
    if (!tag) continue;
    tagged++;
    const agrees = tag.value === value;
    if (agrees) agree++;
    pairs.push({ margin: tag.margin, agrees });
  }
  if (withColumn === 0) return undefined;
  return {
    group: group.name,
    columns: [...columns],
    products: withColumn,
    comparable,
    tagged,
    agreeing: agree,
    coverage: ratio(tagged, comparable),
    agreement: ratio(agree, tagged),
    chance: 1 / group.values.length,
    notInVocabulary: [...unknown]
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .slice(0, 5)
      .map(([v]) => v),
  };
}
