import { isIP } from 'node:net';
import { HttpClientError } from '#core/errors.ts';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** True when a response is a redirect we follow (a redirect status with a Location). */
export function isRedirect(status: number, location: string | undefined): location is string {
  return REDIRECT_STATUSES.has(status) && location !== undefined && location !== '';
}

/**
 * Parses and vets one hop's URL: http(s) only, no credentials, no IP literal the guard refuses. Drops the
 * fragment, which is never sent.
 */
export function vetTarget(href: string, guard: (address: string, hostname: string) => void): URL {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    throw new HttpClientError(`not a valid URL: ${JSON.stringify(href)}`, 'invalid_url', false);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HttpClientError(`unsupported scheme ${url.protocol} in ${url.href}`, 'invalid_url', false);
  }
  if (url.username || url.password) {
    const shown = `${url.protocol}//***@${url.host}${url.pathname}`;
    throw new HttpClientError(`credentials are not allowed in image URLs: ${shown}`, 'invalid_url', false);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host)) guard(host, host);
  url.hash = '';
  return url;
}

/** The hops of one fetch: each Location resolved and vetted, at most `maxRedirects`, no URL twice. */
export class RedirectTrail {
  #current: URL;
  #hops = 0;
  readonly #seen: Set<string>;

  constructor(
    private readonly start: string,
    private readonly maxRedirects: number,
    private readonly vet: (href: string) => URL,
  ) {
    this.#current = vet(start);
    this.#seen = new Set([this.#current.href]);
  }

  /** The URL to ask now. */
  get current(): URL {
    return this.#current;
  }

  /** Moves to where `location` points, or throws when that is one hop too many, a loop or not allowed. */
  follow(location: string): void {
    if (this.#hops >= this.maxRedirects) {
      throw new HttpClientError(
        `more than ${this.maxRedirects} redirects from ${this.start}`,
        'http_error',
        false,
      );
    }
    const next = this.vet(resolveLocation(location, this.#current));
    if (this.#seen.has(next.href)) {
      throw new HttpClientError(`redirect loop from ${this.start} back to ${next.href}`, 'http_error', false);
    }
    this.#hops++;
    this.#seen.add(next.href);
    this.#current = next;
  }
}

function resolveLocation(location: string, base: URL): string {
  try {
    return new URL(location, base).href;
  } catch {
    throw new HttpClientError(
      `invalid redirect Location ${JSON.stringify(location)} from ${base.href}`,
      'invalid_url',
      false,
    );
  }
}
