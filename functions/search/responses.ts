import { InputError, ModelMismatchError } from '#core/errors.ts';
import type { ApiResponse } from './api-types.ts';
import { RequestError, UnavailableError } from './request-error.ts';

/** Headers every response carries: a same-origin CSP (images may come from any http(s) host) and no sniffing. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'self'; img-src 'self' https: http: data:; object-src 'none'; base-uri 'none'; " +
    "frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
});

/** A request value cut to 200 characters, for echoing in an error message. */
export function shown(value: string): string {
  return value.length > 200 ? `${value.slice(0, 197)}...` : value;
}

/** A JSON response that is never cached. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return {
    status,
    headers: {
      ...SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

/** The API's one error shape: `{"error": {"code", "message"}}`. */
export function apiError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): ApiResponse {
  return json(status, { error: { code, message } }, headers);
}

/**
 * Maps an error to a response: RequestError and UnavailableError their status, InputError 400,
 * ModelMismatchError 503 (the server's index, not the request,
 * is wrong), anything else 500 without details, reported through `onError`.
 */
export function errorResponse(err: unknown, onError: (err: unknown) => void): ApiResponse {
  if (err instanceof RequestError) return apiError(err.status, err.code, err.message);
  if (err instanceof UnavailableError) {
    return apiError(err.status, err.code, err.message, err.status === 503 ? { 'retry-after': '30' } : {});
  }
  if (err instanceof InputError) return apiError(400, err.code, err.message);
  if (err instanceof ModelMismatchError) return apiError(503, 'model_mismatch', err.message);
  onError(err);
  return apiError(500, 'internal_error', 'internal server error');
}

/** The 413 answer to a request body over its limit. */
export function bodyTooLarge(limit: number): ApiResponse {
  return apiError(413, 'payload_too_large', `request body is larger than ${limit} bytes`, {
    connection: 'close',
  });
}

/** The 503 of a request that arrives while the server is still starting (ingesting, or loading models or index). */
export function notReady(): ApiResponse {
  return apiError(503, 'not_ready', 'the search service is still starting', { 'retry-after': '5' });
}
