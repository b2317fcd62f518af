/** A response whose body has been read in full, within the caller's byte cap. */
export interface HttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Uint8Array;
  /** The URL that answered, after redirects. */
  finalUrl: string;
}

/** Options of one GET. */
export interface HttpGetOptions {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

/**
 * Fetches a URL that somebody else wrote. Implementations refuse private targets unless configured not to,
 * and throw HttpClientError (with a FailureReason) for transport-level failures.
 *
 * @example
 * const res = await http.get('https://cdn.example.com/a.jpg', { timeoutMs: 15000, maxBytes: 20e6, maxRedirects: 5 });
 */
export interface HttpClient {
  get(url: string, options: HttpGetOptions): Promise<HttpResponse>;
}
