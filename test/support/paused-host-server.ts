import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { drawImage } from './misbehaving-server.ts';

/** How the server answers one request: an image, a status (with an optional Retry-After), or never. */
export type Answer = 'image' | 'hang' | { status: number; retryAfter?: string };

/** One request as the server saw it. */
export interface Seen {
  path: string;
  at: number;
  answer: Answer;
}

/** Decides each answer from the path and the request's time since the server's first request. */
export type Behaviour = (path: string, sinceFirstMs: number) => Answer;

/**
 * One image host on 127.0.0.1 whose answers a test scripts: `/img/<n>.jpg` is a small JPEG unless
 * `behaviour` says otherwise. Keeps a log of every request (the server's own view of what was asked).
 */
export async function startPausedHostServer(behaviour: Behaviour = () => 'image') {
  const jpeg = await drawImage('jpeg', 48, 64);
  let decide = behaviour;
  let first: number | undefined;
  const log: Seen[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const now = Date.now();
    first ??= now;
    const path = req.url ?? '/';
    const answer = decide(path, now - first);
    log.push({ path, at: now, answer });
    if (answer === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (answer === 'image') {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length });
      res.end(jpeg);
      return;
    }
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'text/plain' };
    if (answer.retryAfter !== undefined) headers['retry-after'] = answer.retryAfter;
    res.writeHead(answer.status, headers);
    res.end(`status ${answer.status}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    host: `127.0.0.1:${port}`,
    log,
    /** Image URLs `/img/0.jpg` ... `/img/<count-1>.jpg`. */
    images: (count: number, from = 0) =>
      Array.from({ length: count }, (_, i) => `${url}/img/${from + i}.jpg`),
    /** Replaces the behaviour and forgets the log and the first request's time (a new run of the host). */
    reset(next: Behaviour = () => 'image') {
      decide = next;
      first = undefined;
      log.length = 0;
    },
    hits: (path: string) => log.filter((s) => s.path === path).length,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type PausedHostServer = Awaited<ReturnType<typeof startPausedHostServer>>;
