import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { Agent, buildConnector, request } from 'undici';
import {
  type AddressPolicy,
  addressGuard,
  guardedLookup,
  type Resolver,
  systemResolver,
} from '#adapters/ip-guard.ts';
import { HttpClientError } from '#core/errors.ts';

/** Network settings of a model download; every limit has a default suited to multi-hundred-MB files. */
export interface FetchHttpOptions extends Partial<AddressPolicy> {
  /** DNS resolver used at connect time; tests inject one to play DNS. */
  lookup?: Resolver;
  /** Socket connect timeout (default 5 s): an unreachable host fails fast. */
  connectTimeoutMs?: number;
  /** Time to the response headers (default 20 s). */
  headersTimeoutMs?: number;
  /** Longest silence between body chunks (default 30 s); a stalled transfer is resumed. */
  idleTimeoutMs?: number;
  /** Redirect hops to follow (default 5; Hugging Face resolve URLs redirect to a CDN). */
  maxRedirects?: number;
  userAgent?: string;
}

/** One open GET response whose body has not been read yet. */
export interface OpenResponse {
  status: number;
  headers: Record<string, string>;
  body: Readable;
  finalUrl: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Undici agent that refuses private addresses (unless allowed) at connect time, with the fetch timeouts. */
export function createFetchAgent(options: FetchHttpOptions): {
  agent: Agent;
  guard: (a: string, h: string) => void;
} {
  const guard = addressGuard({
    allowPrivateHosts: options.allowPrivateHosts ?? false,
    allowAddresses: options.allowAddresses,
  });
  const connect = buildConnector({
    lookup: guardedLookup(options.lookup ?? systemResolver, guard),
    timeout: options.connectTimeoutMs ?? 5_000,
  });
  const agent = new Agent({
    headersTimeout: options.headersTimeoutMs ?? 20_000,
    bodyTimeout: options.idleTimeoutMs ?? 30_000,
    connect: (target, callback) => {
      try {
        if (isIP(target.hostname)) guard(target.hostname, target.hostname);
      } catch (error) {
        callback(error as Error, null);
        return;
      }
      connect(target, callback);
    },
  });
  return { agent, guard };
}

function flatten(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k.toLowerCase()] = [v].flat().join(', ');
  return out;
}

function target(href: string, guard: (a: string, h: string) => void): URL {
  const url = new URL(href);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new HttpClientError(`unsupported scheme in ${url.href}`, 'invalid_url', false);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host)) guard(host, host);
  return url;
}

/**
 * GETs `url` from byte `offset` (Range), following redirects itself so every hop passes the address guard.
 * `ifRange` (an ETag or a Last-Modified date) makes the server send the whole file (200) instead of the range
 * when the file changed since.
 */
export async function openGet(
  url: string,
  offset: number,
  agent: { agent: Agent; guard: (a: string, h: string) => void },
  options: FetchHttpOptions,
  ifRange?: string,
): Promise<OpenResponse> {
  let current = target(url, agent.guard);
  const headers: Record<string, string> = {
    'user-agent': options.userAgent ?? 'Threadfinder/0.1 (model fetch)',
    accept: '*/*',
    'accept-encoding': 'identity',
  };
  if (offset > 0) headers.range = `bytes=${offset}-`;
  if (offset > 0 && ifRange) headers['if-range'] = ifRange;
  const maxRedirects = options.maxRedirects ?? 5;
  for (let hop = 0; ; hop++) {
    const res = await request(current, { dispatcher: agent.agent, method: 'GET', headers });
    const flat = flatten(res.headers);
    if (!REDIRECTS.has(res.statusCode) || !flat.location) {
      return { status: res.statusCode, headers: flat, body: res.body, finalUrl: current.href };
    }
    res.body.on('error', () => undefined);
    res.body.destroy();
    if (hop >= maxRedirects)
      throw new HttpClientError(`more than ${maxRedirects} redirects from ${url}`, 'http_error', false);
    current = target(new URL(flat.location, current).href, agent.guard);
  }
}
