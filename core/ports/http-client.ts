/** A response whose body has been read in full, within the caller's byte cap. */
export interface HttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Empty for a 304 Not Modified. */
  body: Uint8Array;
  /** The URL that answered, after redirects. */
  finalUrl: string;
}

/** Validators of a copy we already hold, sent as If-None-Match / If-Modified-Since. */
export interface ConditionalValidators {
  /** The ETag the server gave, verbatim (quotes and any `W/` included). */
  etag?: string;
  /** The Last-Modified the server gave, verbatim (an HTTP-date). */
  lastModified?: string;
}

/** Options of one GET. */
export interface HttpGetOptions {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  /** Makes the GET conditional; a server whose copy still matches answers 304 with no body. */
  conditional?: ConditionalValidators;
}

/**
 * Fetches a URL that somebody else wrote. Implementations refuse private targets unless configured not to,
 * and throw HttpClientError (with a FailureReason) for transport-level failures. Every HTTP status, 304
 * included, is a response.
 *
 * @example
 * const res = await http.get('https://cdn.example.com/a.jpg', {
 *   timeoutMs: 15000, maxBytes: 20e6, maxRedirects: 5, conditional: { etag: '"v2"' },
 * });
 * if (res.status === 304) reuseStoredCopy();
 */
export interface HttpClient {
  get(url: string, options: HttpGetOptions): Promise<HttpResponse>;
}
