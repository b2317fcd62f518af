import { CATALOG_LIMITS as L } from './limits.ts';

/** A validated value, or why it was refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const PRICE = /^\d+(?:\.\d+)?$/;
/** A second URL glued on with a space, comma, semicolon or bar: `a.jpg,https://...`. */
const SEVERAL_URLS = /[\s,;|]https?:\/\//i;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Fields the search API sets on every product itself (see ProductView); metadata may not shadow them. */
export const RESERVED_METADATA_KEYS: readonly string[] = [
  'id',
  'score',
  'images',
  'imagesUsed',
  'maskedImages',
];
const RESERVED_KEYS = new Set(RESERVED_METADATA_KEYS);

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = <T>(message: string): Checked<T> => ({ ok: false, message });

/** Quotes a user value for an error message: JSON-escaped (control characters visible), at most 80 chars. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

/**
 * Accepts an absolute http(s) URL without credentials; returns its normalised form (`URL.href`). An image URL
 * loses its fragment, which is never sent to the server, so `a.jpg#front` and `a.jpg#back` are one image.
 */
export function checkUrl(raw: string, what = 'image URL'): Checked<string> {
  const s = raw.trim();
  if (s === '') return fail(`${what} is empty`);
  if (s.length > L.maxUrlLength) {
    return fail(`${what} is ${s.length} characters long; the limit is ${L.maxUrlLength}`);
  }
  if (hasControl(s, false)) return fail(`${what} ${quote(s)} contains a control character`);
  if (SEVERAL_URLS.test(s)) {
    return fail(`${what} ${quote(s)} holds several URLs; give one URL per line (or per row)`);
  }
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return fail(`${what} ${quote(s)} is not an absolute URL (expected http://... or https://...)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail(`${what} ${quote(s)} uses the scheme "${url.protocol}"; only http and https are allowed`);
  }
  if (url.username !== '' || url.password !== '') {
    return fail(`${what} ${quote(s)} must not contain a user name or password`);
  }
  if (what === 'image URL') url.hash = '';
  if (url.href.length > L.maxUrlLength) {
    return fail(`${what} ${quote(s)} is longer than ${L.maxUrlLength} characters once encoded`);
  }
  return ok(url.href);
}

/**
 * Accepts a product id (string, or a number that is an exact integer: 1 and "1" are the same id); returns it
 * trimmed, as a string. `.` and `..` are refused: no URL path can carry them as a segment. `written` is a
 * numeric id as the file spells it, which a refusal quotes instead of the rounded number.
 */
export function checkId(raw: unknown, what = 'product id', written?: string): Checked<string> {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return fail(`${what} ${raw} is not a finite number`);
    if (!Number.isInteger(raw))
      return fail(`${what} ${written ?? raw} is not a whole number; write it as a string ("...")`);
    if (!Number.isSafeInteger(raw)) {
      const shown = written ?? raw.toLocaleString('en-US', { useGrouping: false });
      const asString = written !== undefined && /^-?\d+$/.test(written) ? `"${written}"` : '"..."';
      return fail(
        `${what} ${shown} is a number too large to be exact (over ${Number.MAX_SAFE_INTEGER}); ` +
          `write it as a string (${asString})`,
      );
    }
    return ok(String(raw));
  }
  if (typeof raw !== 'string') return fail(`${what} must be a string or a number, got ${typeName(raw)}`);
  const s = raw.trim();
  if (s === '') return fail(`${what} is empty`);
  if (s.length > L.maxIdLength)
    return fail(`${what} is ${s.length} characters long; the limit is ${L.maxIdLength}`);
  if (hasControl(s, false)) return fail(`${what} ${quote(s)} contains a control character`);
  if (s === '.' || s === '..') {
    return fail(
      `${what} ${quote(s)} is not allowed: in the product's web address (/api/products/${s}) a URL reads it as ` +
        `"${s === '.' ? 'this folder' : 'the folder above'}" and would show another page`,
    );
  }
  return ok(s);
}

/** Whether `key` (trimmed) names a field the search API sets itself; such a field is ignored with a warning. */
export function isReservedKey(key: string): boolean {
  return RESERVED_KEYS.has(key.trim());
}

/** Accepts a metadata field name; a reserved name is refused here, so callers skip it with a warning first. */
export function checkMetadataKey(key: string): Checked<string> {
  const k = key.trim();
  if (k === '') return fail('metadata field name is empty');
  if (k.length > L.maxMetadataKeyLength) {
    return fail(`metadata field name ${quote(k)} is longer than ${L.maxMetadataKeyLength} characters`);
  }
  if (hasControl(k, false)) return fail(`metadata field name ${quote(k)} contains a control character`);
  if (FORBIDDEN_KEYS.has(k)) return fail(`metadata field name ${quote(k)} is not allowed`);
  if (RESERVED_KEYS.has(k)) return fail(`metadata field name ${quote(k)} is reserved by the search API`);
  return ok(k);
}

/**
 * Accepts a metadata value: a string (trimmed; tabs and line breaks allowed) or a finite number.
 * `price` becomes a non-negative number and `product_url` must be an http(s) URL.
 * An empty string or null means "no value" (`undefined`).
 */
export function checkMetadataValue(key: string, raw: unknown): Checked<string | number | undefined> {
  if (raw === null || raw === undefined) return ok(undefined);
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return fail(`field "${key}" must be a finite number`);
    if (key === 'price' && raw < 0) return fail(`field "price" must not be negative, got ${raw}`);
    if (key === 'product_url') return fail('field "product_url" must be a URL, got a number');
    return ok(raw);
  }
  if (typeof raw !== 'string') {
    return fail(`field "${key}" must be a string or a number, got ${typeName(raw)}`);
  }
  const s = raw.trim();
  if (s === '') return ok(undefined);
  if (s.length > L.maxMetadataValueLength) {
    return fail(`field "${key}" is ${s.length} characters long; the limit is ${L.maxMetadataValueLength}`);
  }
  if (hasControl(s, true)) return fail(`field "${key}" contains a control character`);
  if (key === 'price') {
    if (PRICE.test(s)) return ok(Number(s));
    if (PRICE.test(s.slice(1)) && s.startsWith('-'))
      return fail(`field "price" must not be negative, got ${quote(s)}`);
    return fail(`field "price" must be a number like 19.99, got ${quote(s)}`);
  }
  if (key === 'product_url') return checkUrl(s, 'product_url');
  return ok(s);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

// C0 and C1 control characters and DEL; tab, CR and LF pass when `allowLayout` is set.
function hasControl(s: string, allowLayout: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      if (allowLayout && (c === 0x09 || c === 0x0a || c === 0x0d)) continue;
      return true;
    }
  }
  return false;
}
