import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Api, ApiRequest, ApiResponse } from '#functions/search/api-types.ts';
import { maxBodyBytes } from '#functions/search/api-types.ts';
import { apiError, bodyTooLarge } from '#functions/search/responses.ts';

/** Request line plus headers; past this node answers 431 (a URL over MAX_URL_CHARS gets the API's 414 first). */
const MAX_HEADER_BYTES = 64 * 1024;

/** Options of the local HTTP server. */
export interface ServerOptions {
  api: Api;
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1: only this machine can connect. */
  host?: string;
  /** How long close() waits for requests in flight (default CLOSE_GRACE_MS). */
  closeGraceMs?: number;
  /** Request timeouts (default REQUEST_TIMEOUTS); tests shorten them. */
  timeouts?: Partial<typeof REQUEST_TIMEOUTS>;
}

/** Whole request, headers alone, idle keep-alive; node checks them every `checkEveryMs`. */
export const REQUEST_TIMEOUTS = {
  requestMs: 30_000,
  headersMs: 15_000,
  keepAliveMs: 5_000,
  checkEveryMs: 1_000,
};

/** A listening server. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  /**
   * Stops accepting connections, closes idle ones and resolves once in-flight requests are done, or after
   * CLOSE_GRACE_MS, dropping the connections still open then.
   */
  close(): Promise<void>;
}

/** How long closing waits for requests in flight (within docker stop's 10 s). */
export const CLOSE_GRACE_MS = 8000;

/** How long a socket answered on directly (a malformed or timed-out request) may take to read the answer. */
const LINGER_MS = 2000;

/**
 * Serves an Api over node:http with the API's body caps (1 MiB, 8 MiB for an image search; past them the rest
 * of the body is discarded unread), a 64 KB header cap and request timeouts; requests node
 * cannot parse get the API's JSON error shape too. Logs nothing per request.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const timeouts = { ...REQUEST_TIMEOUTS, ...options.timeouts };
  const server = http.createServer(
    {
      requestTimeout: timeouts.requestMs,
      headersTimeout: timeouts.headersMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      connectionsCheckingInterval: timeouts.checkEveryMs,
      maxHeaderSize: MAX_HEADER_BYTES,
      // Checked in handle() instead, so that the answer has the API's JSON error shape.
      requireHostHeader: false,
    },
    (req, res) => {
      handle(options.api, req, res).catch((err: unknown) => {
        console.error('local server: could not answer a request:', err);
        res.destroy();
      });
    },
  );
  server.on('clientError', answerClientError);
  // Node answers these two itself otherwise: CONNECT by dropping the connection, an Expect other than
  // 100-continue with an empty 417.
  server.on('connect', (req: http.IncomingMessage, socket: Socket) => {
    const message = `${req.method} is not allowed here: this server is not a proxy`;
    answerOnSocket(socket, apiError(405, 'method_not_allowed', message, { allow: 'GET, HEAD, POST' }));
  });
  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const expect = String(req.headers.expect).slice(0, 100);
    send(
      res,
      apiError(
        417,
        'expectation_failed',
        `Expect: ${JSON.stringify(expect)} is not supported (only 100-continue)`,
      ),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Once closing, node no longer times requests out: a client trickling header bytes would hold the
        // server open for as long as it likes, so what is still open after the grace period is dropped.
        const force = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? CLOSE_GRACE_MS);
        server.close((err) => {
          clearTimeout(force);
          if (err) reject(err);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

async function handle(api: Api, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.httpVersion === '1.1' && req.headers.host === undefined) {
    res.shouldKeepAlive = false;
    return send(res, apiError(400, 'bad_request', 'an HTTP/1.1 request needs a Host header'));
  }
  const url = targetOf(req);
  const limit = maxBodyBytes(req.method ?? 'GET', url.split('?')[0] ?? url);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return send(res, bodyTooLarge(limit));
  }
  const body = await readBody(req, limit);
  if (body === 'too_large') return send(res, bodyTooLarge(limit));
  if (body === 'aborted') return;
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  send(res, await api(toApiRequest(req, body, gone.signal)));
}

/**
 * The request target as a path and query: a server must accept the absolute form (`GET http://host/healthz`,
 * RFC 9112 3.2.2), which proxies send; its path and query are what the origin form would carry.
 */
function targetOf(req: http.IncomingMessage): string {
  const url = req.url ?? '/';
  const absolute = /^https?:\/\/[^/?#]*/i.exec(url);
  if (!absolute) return url;
  const rest = url.slice(absolute[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

function toApiRequest(req: http.IncomingMessage, body: Uint8Array, signal: AbortSignal): ApiRequest {
  const url = targetOf(req);
  const mark = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: req.method ?? 'GET',
    path: mark === -1 ? url : url.slice(0, mark),
    query: new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1)),
    rawQuery: mark === -1 ? '' : url.slice(mark + 1),
    headers,
    ...(body.byteLength > 0 ? { body } : {}),
    signal,
  };
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Uint8Array | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        chunks.length = 0;
        resolve('too_large');
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve('aborted'));
    req.on('close', () => resolve('aborted'));
  });
}

// Node found the request malformed (bad request line, header, version) or too big: answer in JSON, then close.
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const answer =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? apiError(
          431,
          'headers_too_large',
          `request line and headers are larger than ${MAX_HEADER_BYTES} bytes`,
        )
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? apiError(408, 'request_timeout', 'the request did not arrive in time')
        : apiError(
            400,
            'bad_request',
            `malformed HTTP request: ${err.message.replace(/^Parse Error: /, '')}`,
          );
  answerOnSocket(socket, answer);
}

/** Writes a whole answer straight onto a socket node has handed over, then closes it (destroyed soon after). */
function answerOnSocket(socket: Socket, answer: ApiResponse): void {
  const body = Buffer.from(answer.body);
  const reason = http.STATUS_CODES[answer.status] ?? 'Error';
  const headers = { ...answer.headers, 'content-length': body.length, connection: 'close' };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.end(
    Buffer.concat([Buffer.from(`HTTP/1.1 ${answer.status} ${reason}\r\n${head.join('')}\r\n`), body]),
  );
  // end() only half-closes: a client that never closes its side (or keeps sending) would hold the socket, and
  // a file descriptor, for ever. It gets LINGER_MS to read the answer.
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}

function send(res: http.ServerResponse, answer: ApiResponse): void {
  if (res.headersSent || res.destroyed) return;
  try {
    // No body, so no length: a HEAD reply, and a 304, whose Content-Length may only be the full reply's.
    const bodiless = res.req.method === 'HEAD' || answer.status === 304;
    const length = bodiless ? {} : { 'content-length': Buffer.byteLength(answer.body) };
    res.writeHead(answer.status, { ...answer.headers, ...length });
    res.end(answer.body);
  } catch (err) {
    const fallback = apiError(500, 'internal_error', 'internal server error');
    if (!res.headersSent) {
      res.writeHead(fallback.status, fallback.headers);
      res.end(fallback.body);
    }
    console.error('local server: could not write a response:', err);
  }
}
