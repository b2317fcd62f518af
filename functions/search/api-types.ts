/** An HTTP request as the search API sees it, whatever server or gateway carried it. */
export interface ApiRequest {
  method: string;
  /** The path as received (percent-encoded), without the query string. */
  path: string;
  query: URLSearchParams | Record<string, string | string[]>;
  /**
   * The query string exactly as received (percent-encoded, without `?`), when the carrier has it; the API
   * then decodes it strictly and refuses malformed escapes instead of guessing.
   */
  rawQuery?: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Aborted once the client has gone (the local server sets it): work still queued for it is skipped. */
  signal?: AbortSignal;
}

/** An HTTP response of the search API. */
export interface ApiResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** Answers one API request; never rejects. */
export type Api = (req: ApiRequest) => Promise<ApiResponse>;

/** Largest request body accepted by any carrier of the API, except an image search. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Largest body of `POST /api/search` (an image, raw or in a multipart form). The deployed API is further
 * bounded by Lambda's 6 MB payload: about 4.5 MB of image once API Gateway has base64-encoded it.
 */
export const MAX_IMAGE_BODY_BYTES = 8 * 1024 * 1024;

/** The body limit of a request, known from its method and path before any of the body is read. */
export function maxBodyBytes(method: string, path: string): number {
  return method === 'POST' && path === '/api/search' ? MAX_IMAGE_BODY_BYTES : MAX_BODY_BYTES;
}

/** Longest path plus query string the API answers; a longer one gets 414. */
export const MAX_URL_CHARS = 16 * 1024;
