import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Api, ApiRequest, ApiResponse } from '../functions/search/api-types.ts';
import { MAX_BODY_BYTES } from '../functions/search/api-types.ts';
import { apiError, bodyTooLarge } from '../functions/search/responses.ts';

/** Options of the local HTTP server. */
export interface ServerOptions {
  api: Api;
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1: only this machine can connect. */
  host?: string;
}

/** A listening server. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  /** Stops accepting connections, closes idle ones and resolves once in-flight requests are done. */
  close(): Promise<void>;
}

/** Serves an Api over node:http with a 1 MB body cap and request timeouts; logs nothing per request. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer(
    { requestTimeout: 30_000, headersTimeout: 15_000, keepAliveTimeout: 5_000 },
    (req, res) => {
      handle(options.api, req, res).catch((err: unknown) => {
        console.error('local server: could not answer a request:', err);
        res.destroy();
      });
    },
  );
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
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

async function handle(api: Api, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return send(res, bodyTooLarge(MAX_BODY_BYTES));
  const body = await readBody(req);
  if (body === 'too_large') return send(res, bodyTooLarge(MAX_BODY_BYTES));
  if (body === 'aborted') return;
  send(res, await api(toApiRequest(req, body)));
}

function toApiRequest(req: http.IncomingMessage, body: Uint8Array): ApiRequest {
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: req.method ?? 'GET',
    path: mark === -1 ? url : url.slice(0, mark),
    query: new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1)),
    headers,
    ...(body.byteLength > 0 ? { body } : {}),
  };
}

function readBody(req: http.IncomingMessage): Promise<Uint8Array | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        resolve('too_large');
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve('aborted'));
    req.on('close', () => resolve('aborted'));
  });
}

function send(res: http.ServerResponse, answer: ApiResponse): void {
  if (res.headersSent || res.destroyed) return;
  try {
    res.writeHead(answer.status, answer.headers);
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
