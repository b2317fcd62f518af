import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Where the sample server listens and what it serves. */
export interface SampleServerOptions {
  /** The sample folder; files under `<dir>/images/` are served at `/images/<name>`. */
  dir: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

/** A running sample server. */
export interface SampleServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
};
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Serves the sample pictures over loopback HTTP; anything but an existing image file is a 404. */
export async function startSampleServer(options: SampleServerOptions): Promise<SampleServer> {
  const { port = 0, host = '127.0.0.1' } = options;
  const imagesDir = path.join(path.resolve(options.dir), 'images');
  const server = createServer((req, res) => {
    serve(req, res, imagesDir).catch(() => {
      if (!res.headersSent) send(res, 500, 'internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, imagesDir: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'method not allowed');
  }
  const file = await resolveImage(req.url ?? '/', imagesDir);
  if (!file) return send(res, 404, 'not found');
  res.writeHead(200, {
    'Content-Type': file.type,
    'Content-Length': file.size,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(createReadStream(file.path), res);
}

// Maps `/images/<name>` to a regular file inside imagesDir, or null; never leaves that folder.
async function resolveImage(
  rawUrl: string,
  imagesDir: string,
): Promise<{ path: string; type: string; size: number } | null> {
  const match = /^\/images\/([^/?#]+)(?:\?[^#]*)?$/.exec(rawUrl);
  if (!match) return null;
  let name: string;
  try {
    name = decodeURIComponent(match[1] as string);
  } catch {
    return null;
  }
  const type = CONTENT_TYPES[path.extname(name).toLowerCase()];
  if (!SAFE_NAME.test(name) || !type) return null;
  try {
    const root = await realpath(imagesDir);
    const real = await realpath(path.join(root, name));
    if (path.dirname(real) !== root) return null;
    const info = await stat(real);
    return info.isFile() ? { path: real, type, size: info.size } : null;
  } catch {
    return null;
  }
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
