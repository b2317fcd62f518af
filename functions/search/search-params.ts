import { z } from 'zod';
import { InputError } from '#core/errors.ts';
import type { SearchFilter } from '#core/ports/vector-store.ts';
import { TAG_VOCABULARY, type TagGroup } from '#core/tags/vocabulary.ts';
import type { ApiRequest } from './api-types.ts';
import { MAX_ALTERNATIVES, MIN_ALTERNATIVES, type SearchInput, type SearchOptions } from './run-search.ts';

/** The longest query accepted, in characters (Unicode code points). */
export const MAX_QUERY_CHARS = 512;

const MAX_FILTER_CHARS = 100;
const CONTROL = /\p{Cc}/u;
/**
 * Nothing a person can read: white space, format characters (zero-width, direction marks), lone accents,
 * unassigned code points and noncharacters (U+FFFF), and the letters that draw as blanks (the Hangul fillers
 * U+115F, U+1160, U+3164, U+FFA0; the braille blank U+2800).
 */
const INVISIBLE = /^[\s\p{Cf}\p{Mn}\p{Me}\p{Cn}\u115F\u1160\u3164\uFFA0\u2800]*$/u;

type Ctx = z.core.$RefinementCtx<string>;

function fail(ctx: Ctx, code: string, message: string): void {
  ctx.addIssue({ code: 'custom', message, params: { code } });
}

/** One value of a parameter that may appear at most once. */
function single<T extends z.ZodType<unknown, string>>(name: string, inner: T) {
  return z
    .array(z.string())
    .refine((v) => v.length === 1, {
      message: `parameter "${name}" is given more than once`,
      params: { code: 'repeated_parameter' },
    })
    .transform((v) => v[0] as string)
    .pipe(inner);
}

const query = z.string().superRefine((q, ctx) => {
  const chars = [...q].length;
  if (chars > MAX_QUERY_CHARS) {
    fail(ctx, 'query_too_long', `query "q" has ${chars} characters; the limit is ${MAX_QUERY_CHARS}`);
  } else if (CONTROL.test(q)) {
    fail(ctx, 'invalid_query', 'query "q" contains control characters (tabs, line breaks, ...)');
  } else if (INVISIBLE.test(q)) {
    fail(ctx, 'empty_query', 'query "q" is empty; type what you are looking for, e.g. ?q=red+dress');
  }
});

/**
 * A metadata filter (`category`, `color`): trimmed like the `tag_<group>` filters, since the catalog's values
 * are trimmed on ingest and a filter with surrounding spaces could match nothing; case is folded by the store.
 */
const text = (name: string) =>
  z
    .string()
    .superRefine((v, ctx) => {
      if (v.trim() === '' || [...v].length > MAX_FILTER_CHARS || CONTROL.test(v)) {
        fail(ctx, 'invalid_parameter', `"${name}" must be 1 to ${MAX_FILTER_CHARS} printable characters`);
      }
    })
    .transform((v) => v.trim());

/** The filter parameter of a vocabulary group's auto-tag: `tag_colour`, `tag_pattern`, ... */
export const tagParam = (group: string): string => `tag_${group}`;

/** One of the group's values, any case. */
const tagValue = (group: TagGroup) =>
  z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .refine((v) => group.values.includes(v), {
      message: `"${tagParam(group.name)}" must be one of: ${group.values.join(', ')}`,
      params: { code: 'invalid_parameter' },
    });

const tagFields = Object.fromEntries(
  TAG_VOCABULARY.map((g) => [tagParam(g.name), single(tagParam(g.name), tagValue(g)).optional()]),
);

const decimal = (name: string) =>
  z
    .string()
    .regex(/^\d{1,12}(\.\d{1,6})?$/, { message: `"${name}" must be a non-negative number like 49.90` })
    .transform(Number);

const count = z
  .string()
  .regex(/^\d{1,3}$/, {
    message: `"k" must be a whole number from ${MIN_ALTERNATIVES} to ${MAX_ALTERNATIVES}`,
  })
  .transform(Number)
  .refine((n) => n >= MIN_ALTERNATIVES && n <= MAX_ALTERNATIVES, {
    message: `"k" must be from ${MIN_ALTERNATIVES} to ${MAX_ALTERNATIVES}`,
  });

const optionFields = {
  k: single('k', count).optional(),
  category: single('category', text('category')).optional(),
  color: single('color', text('color')).optional(),
  price_min: single('price_min', decimal('price_min')).optional(),
  price_max: single('price_max', decimal('price_max')).optional(),
  ...tagFields,
};

type Prices = { price_min?: number | undefined; price_max?: number | undefined };
const pricesInOrder = (p: Prices) =>
  p.price_min === undefined || p.price_max === undefined || p.price_min <= p.price_max;
const priceOrder = { message: '"price_min" is greater than "price_max"' };

const textSchema = z
  .strictObject({ q: single('q', query), ...optionFields })
  .refine(pricesInOrder, priceOrder);
const optionsSchema = z.strictObject(optionFields).refine(pricesInOrder, priceOrder);

const OPTION_NAMES = `k, category, color, price_min, price_max, ${TAG_VOCABULARY.map((g) => tagParam(g.name)).join(', ')}`;

/** Validates the query string of `GET /api/search`; throws InputError with a stable code naming the parameter. */
export function parseSearchParams(raw: ApiRequest['query']): SearchInput {
  const parsed = textSchema.safeParse(toArrays(raw));
  if (!parsed.success) throw toInputError(parsed.error.issues, `q, ${OPTION_NAMES}`);
  return { query: parsed.data.q, ...toOptions(parsed.data) };
}

/**
 * Validates the query string of an image search or a "more like this" request: `k` and the filters, no `q`;
 * throws InputError with a stable code naming the parameter.
 */
export function parseSearchOptions(raw: ApiRequest['query']): SearchOptions {
  const parsed = optionsSchema.safeParse(toArrays(raw));
  if (!parsed.success) throw toInputError(parsed.error.issues, OPTION_NAMES);
  return toOptions(parsed.data);
}

function toOptions(p: z.infer<typeof optionsSchema>): SearchOptions {
  const filter: SearchFilter = {};
  if (p.category !== undefined) filter.category = p.category;
  if (p.color !== undefined) filter.color = p.color;
  if (p.price_min !== undefined) filter.priceMin = p.price_min;
  if (p.price_max !== undefined) filter.priceMax = p.price_max;
  const tags: Record<string, string> = {};
  for (const group of TAG_VOCABULARY) {
    const value = (p as Record<string, unknown>)[tagParam(group.name)];
    if (typeof value === 'string') tags[group.name] = value;
  }
  if (Object.keys(tags).length > 0) filter.tags = tags;
  return {
    ...(p.k === undefined ? {} : { k: p.k }),
    ...(Object.keys(filter).length === 0 ? {} : { filter }),
  };
}

function toArrays(raw: ApiRequest['query']): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null);
  const entries = raw instanceof URLSearchParams ? [...raw] : Object.entries(raw);
  for (const [key, value] of entries) {
    const list = out[key] ?? [];
    list.push(...(Array.isArray(value) ? value : [value]));
    out[key] = list;
  }
  return out;
}

function toInputError(issues: z.core.$ZodIssue[], allowed: string): InputError {
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (!issue) return new InputError('invalid search parameters', 'invalid_parameter');
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.map((k) => `"${k}"`).join(', ');
    return new InputError(`unknown parameter ${names}; allowed: ${allowed}`, 'unknown_parameter');
  }
  const field = String(issue.path[0] ?? '');
  if (issue.code === 'invalid_type' && field === 'q') {
    return new InputError('missing query: add ?q=what you are looking for', 'missing_query');
  }
  const code = issue.code === 'custom' ? (issue.params?.code as string | undefined) : undefined;
  return new InputError(issue.message, code ?? 'invalid_parameter');
}
