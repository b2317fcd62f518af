import { isIP } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import { HttpClientError } from '#core/errors.ts';
import type { HttpClient, HttpGetOptions, HttpResponse } from '#core/ports/http-client.ts';
import { discard, readBody } from './http-body.ts';
import { asHttpClientError } from './http-errors.ts';
import { flattenHeaders, requestHeaders } from './http-headers.ts';
import { isRedirect, RedirectTrail, vetTarget } from './http-redirects.ts';
import {
  type AddressPolicy,
  addressGuard,
  guardedLookup,
  type Resolver,
  systemResolver,
} from './ip-guard.ts';

/** Options of UndiciHttpClient. */
export interface UndiciHttpClientOptions extends AddressPolicy {
  userAgent?: string;
  /** DNS resolver used at connect time; tests inject one to play DNS without a network. */
  lookup?: Resolver;
  /** Socket connect timeout in ms (the per-request total timeout still applies). */
  connectTimeoutMs?: number;
}

const DEFAULT_USER_AGENT = 'Threadfinder/0.1 (product image indexer)';

/**
 * HttpClient on undici: refuses private targets (IP literals before connecting, resolved addresses inside the
 * connect-time DNS lookup), follows redirects itself re-checking every hop, and enforces a total timeout and a
 * byte cap. It asks for `identity` encoding but decodes gzip, deflate and br bodies within the same cap.
 * Validators in `conditional` go on every hop; a 304 comes back as a response with an empty body.
 */
export class UndiciHttpClient implements HttpClient {
  readonly #agent: Agent;
  readonly #guard: (address: string, hostname: string) => void;
  readonly #userAgent: string;

  constructor(options: UndiciHttpClientOptions) {
    this.#guard = addressGuard(options);
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    const connect = buildConnector({
      lookup: guardedLookup(options.lookup ?? systemResolver, this.#guard),
      timeout: options.connectTimeoutMs ?? 10_000,
    });
    this.#agent = new Agent({
      connect: (target, callback) => {
        try {
          if (isIP(target.hostname)) this.#guard(target.hostname, target.hostname);
        } catch (error) {
          callback(error as Error, null);
          return;
        }
        connect(target, callback);
      },
    });
  }

  async get(url: string, options: HttpGetOptions): Promise<HttpResponse> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new HttpClientError(
          `timed out after ${options.timeoutMs} ms fetching ${url}`,
          'timeout',
          true,
        );
        controller.abort(error);
        reject(error);
      }, options.timeoutMs);
    });
    const work = this.#follow(url, options, controller.signal);
    work.catch(() => undefined);
    try {
      return await Promise.race([work, deadline]);
    } catch (error) {
      throw asHttpClientError(error, url);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #follow(url: string, options: HttpGetOptions, signal: AbortSignal): Promise<HttpResponse> {
    const trail = new RedirectTrail(url, options.maxRedirects, (href) => vetTarget(href, this.#guard));
    const sent = requestHeaders(this.#userAgent, options.conditional);
    for (;;) {
      const res = await request(trail.current, {
        dispatcher: this.#agent,
        method: 'GET',
        headers: sent,
        signal,
      });
      const headers = flattenHeaders(res.headers);
      if (isRedirect(res.statusCode, headers.location)) {
        discard(res.body);
        trail.follow(headers.location);
        continue;
      }
      const finalUrl = trail.current.href;
      const body = await readBody(res, headers, options.maxBytes, finalUrl);
      return { status: res.statusCode, headers, body, finalUrl };
    }
  }
}
