import { isIP } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Agent, buildConnector, request } from 'undici';
import { HttpClientError } from '../core/errors.ts';
import type { HttpClient, HttpGetOptions, HttpResponse } from '../core/ports/http-client.ts';
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

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const PERMANENT_CODES = new Set(['ENOTFOUND', 'ERR_INVALID_URL', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
const DEFAULT_USER_AGENT = 'Threadfinder/0.1 (product image indexer)';
const ACCEPT = 'image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8,*/*;q=0.5';
type Decoder = (body: Uint8Array, options: zlib.ZlibOptions & zlib.BrotliOptions) => Promise<Buffer>;
/** Content codings a server may use although we ask for identity; each output is capped like a plain body. */
const DECODERS: Readonly<Record<string, Decoder>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

/**
 * HttpClient on undici: refuses private targets (IP literals before connecting, resolved addresses inside the
 * connect-time DNS lookup), follows redirects itself re-checking every hop, and enforces a total timeout and a
 * byte cap. It asks for `identity` encoding but decodes gzip, deflate and br bodies within the same cap.
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
    let current = this.#target(url);
    const seen = new Set([current.href]);
    for (let hop = 0; ; hop++) {
      const res = await request(current, {
        dispatcher: this.#agent,
        method: 'GET',
        headers: { 'user-agent': this.#userAgent, accept: ACCEPT, 'accept-encoding': 'identity' },
        signal,
      });
      const headers = flattenHeaders(res.headers);
      const location = headers.location;
      if (REDIRECT_STATUSES.has(res.statusCode) && location) {
        discard(res.body);
        if (hop >= options.maxRedirects) {
          throw new HttpClientError(
            `more than ${options.maxRedirects} redirects from ${url}`,
            'http_error',
            false,
          );
        }
        const next = this.#target(resolveLocation(location, current));
        if (seen.has(next.href)) {
          throw new HttpClientError(`redirect loop from ${url} back to ${next.href}`, 'http_error', false);
        }
        seen.add(next.href);
        current = next;
        continue;
      }
      const raw = await readCapped(res, headers['content-length'], options.maxBytes, current.href);
      const body = await decodeBody(raw, headers, options.maxBytes, current.href);
      return { status: res.statusCode, headers, body, finalUrl: current.href };
    }
  }

  /** Parses and vets one hop's URL: http(s) only, no credentials, no blocked IP literal. */
  #target(href: string): URL {
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
    if (isIP(host)) this.#guard(host, host);
    url.hash = '';
    return url;
  }
}

/** Drops a body we will not read; undici reports the early close as an 'error' event, which is expected here. */
function discard(body: NodeJS.ReadableStream & { destroy(): void }): void {
  body.on('error', () => undefined);
  body.destroy();
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

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function readCapped(
  res: Awaited<ReturnType<typeof request>>,
  contentLength: string | undefined,
  maxBytes: number,
  url: string,
): Promise<Uint8Array> {
  const declared = contentLength === undefined ? Number.NaN : Number(contentLength);
  if (declared > maxBytes) {
    discard(res.body);
    throw new HttpClientError(
      `${url} declares ${declared} bytes, over the limit of ${maxBytes}`,
      'too_large',
      false,
    );
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      discard(res.body);
      throw new HttpClientError(`${url} sent more than ${maxBytes} bytes`, 'too_large', false);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

/** Undoes a content coding the server applied anyway; drops content-encoding from `headers` once decoded. */
async function decodeBody(
  body: Uint8Array,
  headers: Record<string, string>,
  maxBytes: number,
  url: string,
): Promise<Uint8Array> {
  const coding = headers['content-encoding']?.trim().toLowerCase();
  if (!coding || coding === 'identity' || body.length === 0) return body;
  const decode = DECODERS[coding];
  if (!decode) {
    throw new HttpClientError(
      `${url} sent unsupported content-encoding ${JSON.stringify(coding)}`,
      'http_error',
      false,
    );
  }
  try {
    const decoded = await decode(body, { maxOutputLength: maxBytes });
    delete headers['content-encoding'];
    return decoded;
  } catch (error) {
    const tooLarge = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new HttpClientError(
      tooLarge
        ? `${url} sent more than ${maxBytes} bytes once decoded (content-encoding ${coding})`
        : `${url} sent a body that is not valid ${coding}: ${(error as Error).message}`,
      tooLarge ? 'too_large' : 'http_error',
      false,
      { cause: error },
    );
  }
}

/** Maps anything undici or the socket threw to an HttpClientError with a FailureReason. */
function asHttpClientError(error: unknown, url: string): HttpClientError {
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
