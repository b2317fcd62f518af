import { createHash } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

/** A request the server saw. */
export interface SeenRequest {
  path: string;
  range?: string;
  ifRange?: string;
}

/** Per-file misbehaviour, each applied once (to the first GET that would trigger it). */
export interface Quirks {
  /** Send only this many bytes of a full response, then drop the connection. */
  cutAfter?: number;
  /** Answer the first request with this status (e.g. 503). */
  failFirst?: number;
  /** Ignore Range and always answer 200 with the whole file. */
  ignoreRange?: boolean;
  /** Answer the first Range request with this Content-Range total and this many bytes past the file's end. */
  badRange?: { total: number; extra: number };
  /** Send this many bytes of the first full response, then 10 bytes every 50 ms until the client goes away. */
  trickleAfter?: number;
}

/** A loopback file server with Range support, a redirect route and scripted failures. */
export interface FileServer {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * Serves `files` at /files/<name>; /redirect/<name> answers 302 to /files/<name> (as Hugging Face's resolve
 * URLs redirect to a CDN).
 */
export async function startFileServer(
  files: Record<string, Buffer>,
  quirks: Record<string, Quirks> = {},
): Promise<FileServer> {
  const seen: SeenRequest[] = [];
  const used = new Set<string>();
  const once = (key: string) => !used.has(key) && used.add(key) !== undefined;
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const ifRange = req.headers['if-range'];
    seen.push({
      path,
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(typeof ifRange === 'string' ? { ifRange } : {}),
    });
    if (path.startsWith('/redirect/')) {
      res.writeHead(302, { location: `/files/${path.slice('/redirect/'.length)}` }).end();
      return;
    }
    const name = path.slice('/files/'.length);
    const body = files[name];
    const quirk = quirks[name] ?? {};
    if (!path.startsWith('/files/') || !body) {
      res.writeHead(404).end('not found');
      return;
    }
    if (quirk.failFirst && once(`fail:${name}`)) {
      res.writeHead(quirk.failFirst, { 'retry-after': '0' }).end('try later');
      return;
    }
    // Every file has a strong ETag of its content; an If-Range that names another gets the whole file (200).
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    const fresh = req.headers['if-range'] === undefined || req.headers['if-range'] === etag;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && quirk.badRange && once(`bad:${name}`)) {
      const start = Number(range[1]);
      res.writeHead(206, {
        'content-range': `bytes ${start}-${body.length - 1}/${quirk.badRange.total}`,
        etag,
      });
      res.end(Buffer.concat([body.subarray(start), Buffer.alloc(quirk.badRange.extra, 7)]));
      return;
    }
    if (range && fresh && !quirk.ignoreRange) {
      const start = Number(range[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'content-length': body.length - start,
        'accept-ranges': 'bytes',
        etag,
      });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes', etag });
    if (quirk.trickleAfter !== undefined && once(`trickle:${name}`)) {
      let at = quirk.trickleAfter;
      res.write(body.subarray(0, at));
      const drip = setInterval(() => {
        if (res.destroyed || at >= body.length) return clearInterval(drip);
        res.write(body.subarray(at, at + 10));
        at += 10;
      }, 50);
      res.on('close', () => clearInterval(drip));
      return;
    }
    if (quirk.cutAfter !== undefined && once(`cut:${name}`)) {
      res.write(body.subarray(0, quirk.cutAfter), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port that refuses every connection for as long as it is held. */
export interface RefusingPort {
  port: number;
  close(): Promise<void>;
}

/**
 * Holds a loopback port that nothing listens on: the local end of an open connection to a helper server.
 * A connect to it is refused (ECONNREFUSED), and no other socket can bind it until `close()`.
 */
export async function refusingPort(): Promise<RefusingPort> {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const client = net.connect((holder.address() as AddressInfo).port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  return {
    port: client.localPort as number,
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        holder.close(() => resolve());
      }),
  };
}
