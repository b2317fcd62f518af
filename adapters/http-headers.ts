import { HttpClientError } from '#core/errors.ts';
import type { ConditionalValidators } from '#core/ports/http-client.ts';

const ACCEPT = 'image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8,*/*;q=0.5';
/** A header value as RFC 9110 allows it: visible ASCII, spaces, tabs and obs-text; no CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]+$/;
const MAX_VALIDATOR_LENGTH = 1024;

/** The headers of every GET: who we are, what we take, identity encoding, and any validators. */
export function requestHeaders(
  userAgent: string,
  conditional?: ConditionalValidators,
): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': userAgent,
    accept: ACCEPT,
    'accept-encoding': 'identity',
  };
  if (conditional?.etag !== undefined) {
    headers['if-none-match'] = validator('If-None-Match', conditional.etag);
  }
  if (conditional?.lastModified !== undefined) {
    headers['if-modified-since'] = validator('If-Modified-Since', conditional.lastModified);
  }
  return headers;
}

function validator(name: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed.length > MAX_VALIDATOR_LENGTH || !FIELD_VALUE.test(trimmed)) {
    const shown = JSON.stringify(value.slice(0, 80));
    throw new HttpClientError(
      `refusing to send ${name} ${shown}: not a valid header value`,
      'http_error',
      false,
    );
  }
  return trimmed;
}

/** Lower-cases header names and joins repeated headers with ', '. */
export function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
