import { HttpClientError } from '#core/errors.ts';

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const PERMANENT_CODES = new Set(['ENOTFOUND', 'ERR_INVALID_URL', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);

/** Maps anything undici or the socket threw to an HttpClientError with a FailureReason. */
export function asHttpClientError(error: unknown, url: string): HttpClientError {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof HttpClientError) return e;
  }
  const code = (error as { code?: string } | undefined)?.code ?? '';
  const text = error instanceof Error ? error.message : String(error);
  if (TIMEOUT_CODES.has(code)) {
    return new HttpClientError(`timed out fetching ${url} (${code})`, 'timeout', true, { cause: error });
  }
  if (code === 'UND_ERR_HEADERS_OVERFLOW') {
    return new HttpClientError(`response headers are too large from ${url}`, 'http_error', false, {
      cause: error,
    });
  }
  if (error instanceof Error && error.name === 'HTTPParserError') {
    const detail = `${url} answered with something that is not a valid HTTP response: ${text}`;
    return new HttpClientError(detail, 'http_error', false, { cause: error });
  }
  const permanent = PERMANENT_CODES.has(code) || code.includes('CERT') || code.startsWith('ERR_TLS');
  const detail = code ? `${code}: ${text}` : text;
  return new HttpClientError(`network error fetching ${url}: ${detail}`, 'network_error', !permanent, {
    cause: error,
  });
}
