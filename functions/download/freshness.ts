/** Longest a host's own freshness may spare us a request, however long it says (7 days). */
export const MAX_FRESHNESS_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * When a response stops being fresh, in ms since the epoch: `nowMs` plus its freshness lifetime (Cache-Control
 * max-age, else Expires minus Date) less its Age, capped at `capMs`. Undefined when it must be revalidated
 * before every reuse: no-store, no-cache, a lifetime used up, or no explicit freshness at all.
 */
export function freshUntil(
  headers: Readonly<Record<string, string>>,
  nowMs: number,
  capMs = MAX_FRESHNESS_MS,
): number | undefined {
  const lifetime = lifetimeMs(headers, nowMs);
  if (lifetime === undefined) return undefined;
  const left = Math.min(lifetime - ageMs(headers), capMs);
  return left > 0 ? nowMs + left : undefined;
}

function lifetimeMs(headers: Readonly<Record<string, string>>, nowMs: number): number | undefined {
  const directives = cacheControl(headers['cache-control']);
  if (directives.has('no-store') || directives.has('no-cache')) return undefined;
  if (directives.has('max-age')) return seconds(directives.get('max-age'));
  const expires = headers.expires;
  if (expires === undefined) return undefined;
  const at = httpDate(expires);
  if (at === undefined) return undefined;
  const date = headers.date === undefined ? undefined : httpDate(headers.date);
  return at - (date ?? nowMs);
}

/** Cache-Control directives by lower-case name, the first occurrence of each, values unquoted. */
function cacheControl(value: string | undefined): Map<string, string | undefined> {
  const directives = new Map<string, string | undefined>();
  for (const part of (value ?? '').split(',')) {
    const [rawName = '', ...rest] = part.split('=');
    const name = rawName.trim().toLowerCase();
    if (!name || directives.has(name)) continue;
    const raw = rest.length > 0 ? rest.join('=').trim() : undefined;
    directives.set(name, raw?.replace(/^"(.*)"$/, '$1'));
  }
  return directives;
}

/** Delta-seconds in ms; undefined (stale) when missing or not a plain non-negative integer. */
function seconds(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,12}$/.test(value) ? Number(value) * 1000 : undefined;
}

function ageMs(headers: Readonly<Record<string, string>>): number {
  return seconds(headers.age?.trim()) ?? 0;
}

/** An HTTP-date (which starts with a day name) in ms; undefined for anything else, such as "0" or "-1". */
function httpDate(value: string): number | undefined {
  const text = value.trim();
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : at;
}
