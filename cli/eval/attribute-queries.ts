import type { ProductMetadata } from '#core/types.ts';

/**
 * Text queries built from catalog metadata, each with the products whose attributes match it. Three templates,
 * colour + garment, pattern + garment and colour + pattern + garment ("red striped shirt"), over the value
 * combinations products actually have; the garment word is the `garment` column (the sample's), else `type`,
 * else `category`. Each template keeps at most `perTemplate` queries, those with the most matching products
 * first (then alphabetical). A product is relevant when every attribute of the query matches (case-insensitive).
 */
export interface AttributeQuery {
  template: string;
  text: string;
  relevant: Set<string>;
}

const NOUN_COLUMNS = ['garment', 'type', 'category'] as const;

// Pattern values as adjectives (the sample's solid/stripes/dots/checks and common catalog spellings).
const PATTERN_WORDS: Record<string, string> = {
  solid: 'plain',
  plain: 'plain',
  stripes: 'striped',
  stripe: 'striped',
  striped: 'striped',
  dots: 'polka dot',
  dot: 'polka dot',
  'polka dot': 'polka dot',
  checks: 'checked',
  check: 'checked',
  checked: 'checked',
  plaid: 'plaid',
  floral: 'floral',
};

type Attr = 'color' | 'pattern' | 'noun';
const TEMPLATES: { name: string; attrs: Attr[] }[] = [
  { name: 'color + garment', attrs: ['color', 'noun'] },
  { name: 'pattern + garment', attrs: ['pattern', 'noun'] },
  { name: 'color + pattern + garment', attrs: ['color', 'pattern', 'noun'] },
];

const text = (v: unknown) =>
  typeof v === 'string' || typeof v === 'number' ? String(v).trim().toLowerCase() : '';

/** The product's attribute values, lower case; absent when the catalog has no such column for it. */
export function attributesOf(metadata: ProductMetadata): Partial<Record<Attr, string>> {
  const noun = NOUN_COLUMNS.map((c) => text(metadata[c])).find((v) => v !== '');
  const out: Partial<Record<Attr, string>> = {};
  if (text(metadata.color)) out.color = text(metadata.color);
  if (text(metadata.pattern)) out.pattern = text(metadata.pattern);
  if (noun) out.noun = noun;
  return out;
}

const words = (attr: Attr, value: string) => (attr === 'pattern' ? (PATTERN_WORDS[value] ?? value) : value);

/** Builds the capped queries of every template from `products` (id and metadata). */
export function buildAttributeQueries(
  products: Iterable<{ id: string; metadata: ProductMetadata }>,
  perTemplate = 100,
): AttributeQuery[] {
  const groups = TEMPLATES.map(() => new Map<string, Set<string>>());
  for (const { id, metadata } of products) {
    const attrs = attributesOf(metadata);
    TEMPLATES.forEach((t, i) => {
      if (!t.attrs.every((a) => attrs[a] !== undefined)) return;
      const key = t.attrs.map((a) => words(a, attrs[a] as string)).join(' ');
      const group = groups[i] as Map<string, Set<string>>;
      group.set(key, (group.get(key) ?? new Set()).add(id));
    });
  }
  return TEMPLATES.flatMap((t, i) =>
    [...(groups[i] as Map<string, Set<string>>)]
      .sort(([a, x], [b, y]) => y.size - x.size || a.localeCompare(b))
      .slice(0, perTemplate)
      .map(([key, relevant]) => ({ template: t.name, text: key, relevant })),
  );
}
