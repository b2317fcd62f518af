import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

/** A loopback image host that misbehaves on purpose, counting requests, connections and concurrency. */
export interface MisbehavingServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** The bytes served by `/ok.jpg` and `/ok.png`; `revised` by the revalidating routes after `revise()`. */
  images: { jpeg: Buffer; png: Buffer; revised: Buffer };
  /** Requests seen for a path (without query). */
  hits(path: string): number;
  /** Body bytes of the whole answers sent for a path (a 304 sends none). */
  bodyBytes(path: string): number;
  /** Request headers of the last request for a path. */
  lastHeaders(path: string): http.IncomingHttpHeaders | undefined;
  /** Changes the image behind the revalidating routes (new ETag, later Last-Modified). */
  revise(): void;
  /** TCP connections accepted since start or the last reset. */
  connections(): number;
  /** Requests in flight now. */
  inFlight(): number;
  /** Most requests in flight at once since start or the last reset. */
  maxInFlight(): number;
  /** Clears counters and per-route state (429 and 500-then-200 answer afresh, revised routes go back). */
  reset(): void;
  close(): Promise<void>;
}

/** Draws a small patterned image with sharp (patterned, so a JPEG is mostly scan data and truncation bites). */
export async function drawImage(format: 'jpeg' | 'png', width = 64, height = 48): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 251;
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .toFormat(format)
    .toBuffer();
}

const HOLD_MS = 40;

/**
 * Starts the server on `host` (default 127.0.0.1), port 0. Routes: `/ok.jpg`, `/ok.png`, `/held/<n>.jpg`
 * (answers after a short hold, for concurrency), `/missing` (404), `/rate-limited` (429 with Retry-After: 2,
 * then 200), `/flaky` (500, then 200), `/broken` (always 500), `/truncated.jpg`, `/fake.jpg` (text as
 * image/jpeg), `/page.html`, `/huge-declared` (Content-Length far over any cap, then stalls), `/huge-chunked`
 * (endless chunks, no Content-Length), `/slow` (headers never come), `/slow-body` (the body stalls after 10 bytes), `/redirect/<n>` (n hops, then /ok.jpg),
 * `/loop-a` <-> `/loop-b`, `/redirect-to?to=<url>` (302 to any URL). Revalidating routes answer a matching
 * If-None-Match / If-Modified-Since with 304: `/etag.jpg` (ETag, no-cache), `/last-modified.jpg` (Last-Modified
 * only), `/fresh.jpg` (ETag, max-age=3600), `/expires.jpg` (Expires an hour after Date, no validators).
 */
export async function startMisbehavingServer(host = '127.0.0.1'): Promise<MisbehavingServer> {
  const jpeg = await drawImage('jpeg', 96, 64);
  const png = await drawImage('png');
  const revised = await drawImage('jpeg', 80, 60);
  const counts = new Map<string, number>();
  const bytes = new Map<string, number>();
  const headers = new Map<string, http.IncomingHttpHeaders>();
  let version = 1;
  let connections = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const send = (res: http.ServerResponse, status: number, type: string, body: Buffer | string) => {
    const path = new URL(res.req.url ?? '/', 'http://server.invalid').pathname;
    bytes.set(path, (bytes.get(path) ?? 0) + Buffer.byteLength(body));
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  // Answers 304 when the request's validators match the current version, else the current image.
  const revalidating = (res: http.ServerResponse, validators: { etag?: true; lastModified?: true }) => {
    const etag = `"v${version}"`;
    const modified = new Date(Date.UTC(2024, version, 1)).toUTCString();
    if (validators.etag) res.setHeader('etag', etag);
    if (validators.lastModified) res.setHeader('last-modified', modified);
    const { 'if-none-match': match, 'if-modified-since': since } = res.req.headers;
    const unchanged =
      match !== undefined
        ? validators.etag === true && match.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
        : since !== undefined &&
          validators.lastModified === true &&
          Date.parse(since) >= Date.parse(modified);
    if (!unchanged) return send(res, 200, 'image/jpeg', version === 1 ? jpeg : revised);
    res.writeHead(304);
    res.end();
  };

  const route = (res: http.ServerResponse, path: string, seen: number, query: URLSearchParams) => {
    if (path === '/etag.jpg') {
      res.setHeader('cache-control', 'no-cache');
      return revalidating(res, { etag: true });
    }
    if (path === '/last-modified.jpg') return revalidating(res, { lastModified: true });
    if (path === '/fresh.jpg') {
      res.setHeader('cache-control', 'max-age=3600');
      return revalidating(res, { etag: true });
    }
    if (path === '/expires.jpg') {
      res.setHeader('expires', new Date(Date.now() + 3600_000).toUTCString());
      return send(res, 200, 'image/jpeg', jpeg);
    }
    if (path === '/ok.jpg') return send(res, 200, 'image/jpeg', jpeg);
    if (path === '/ok.png') return send(res, 200, 'image/png', png);
    if (path.startsWith('/held/')) return later(HOLD_MS, () => send(res, 200, 'image/jpeg', jpeg));
    if (path === '/missing') return send(res, 404, 'text/plain', 'not here');
    if (path === '/rate-limited') {
      if (seen > 1) return send(res, 200, 'image/jpeg', jpeg);
      res.setHeader('retry-after', '2');
      return send(res, 429, 'text/plain', 'slow down');
    }
    if (path === '/flaky')
      return seen > 1 ? send(res, 200, 'image/png', png) : send(res, 500, 'text/plain', 'oops');
    if (path === '/broken') return send(res, 500, 'text/plain', 'always broken');
    if (path === '/truncated.jpg')
      return send(res, 200, 'image/jpeg', jpeg.subarray(0, Math.floor(jpeg.length * 0.8)));
    if (path === '/fake.jpg')
      return send(res, 200, 'image/jpeg', 'this is plain text pretending to be a JPEG');
    if (path === '/page.html')
      return send(res, 200, 'text/html; charset=utf-8', '<!doctype html><p>hello</p>');
    if (path === '/huge-declared') {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(1 << 30) });
      res.write(jpeg.subarray(0, 100));
      return;
    }
    if (path === '/huge-chunked') return streamForever(res, jpeg);
    if (path === '/slow') return;
    if (path === '/slow-body') {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length });
      res.write(jpeg.subarray(0, 10));
      return;
    }
    const hops = /^\/redirect\/(\d+)$/.exec(path);
    if (hops) {
      const n = Number(hops[1]);
      return redirect(res, n <= 1 ? '/ok.jpg' : `/redirect/${n - 1}`);
    }
    if (path === '/loop-a') return redirect(res, '/loop-b');
    if (path === '/loop-b') return redirect(res, '/loop-a');
    if (path === '/redirect-to') return redirect(res, query.get('to') ?? '/ok.jpg');
    send(res, 404, 'text/plain', `no route ${path}`);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://server.invalid');
    const seen = (counts.get(url.pathname) ?? 0) + 1;
    counts.set(url.pathname, seen);
    headers.set(url.pathname, req.headers);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let done = false;
    const finish = () => {
      if (!done) inFlight--;
      done = true;
    };
    res.on('close', finish);
    route(res, url.pathname, seen, url.searchParams);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${shownHost}:${port}`,
    port,
    images: { jpeg, png, revised },
    hits: (path) => counts.get(path) ?? 0,
    bodyBytes: (path) => bytes.get(path) ?? 0,
    lastHeaders: (path) => headers.get(path),
    revise: () => {
      version++;
    },
    connections: () => connections,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    reset: () => {
      counts.clear();
      bytes.clear();
      headers.clear();
      version = 1;
      connections = 0;
      maxInFlight = inFlight;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function redirect(res: http.ServerResponse, location: string): void {
  res.writeHead(302, { location, 'content-length': 0 });
  res.end();
}

function streamForever(res: http.ServerResponse, chunk: Buffer): void {
  res.writeHead(200, { 'content-type': 'image/jpeg' });
  const pump = () => {
    let room = true;
    while (room && !res.destroyed) room = res.write(chunk);
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}
