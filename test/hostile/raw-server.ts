import net from 'node:net';

/** One request as the raw server saw it. */
export interface RawRequest {
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** How many times this path has been asked for, this one included. */
  seen: number;
}

/** Writes whatever bytes it likes to the socket, HTTP or not. */
export type RawRoute = (socket: net.Socket, req: RawRequest) => void;

/** A loopback server that answers with hand-written bytes, to lie in ways node:http refuses to. */
export interface RawServer {
  url: string;
  hits(path: string): number;
  /** Headers of the last request for a path. */
  lastHeaders(path: string): Record<string, string> | undefined;
  close(): Promise<void>;
}

/** Builds a raw HTTP/1.1 response head (the caller adds the body). */
export function head(status: string, headers: Record<string, string | number> = {}): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  return `HTTP/1.1 ${status}\r\n${lines.join('')}\r\n`;
}

/** Starts the server on 127.0.0.1 (or `host`); an unknown path gets a 404. Connections close after each answer. */
export async function startRawServer(
  routes: Record<string, RawRoute>,
  host = '127.0.0.1',
): Promise<RawServer> {
  const counts = new Map<string, number>();
  const seenHeaders = new Map<string, Record<string, string>>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const [requestLine = '', ...lines] = buffered.slice(0, end).split('\r\n');
      const target = requestLine.split(' ')[1] ?? '/';
      const path = target.split('?')[0] ?? target;
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const seen = (counts.get(path) ?? 0) + 1;
      counts.set(path, seen);
      seenHeaders.set(path, headers);
      const route = routes[path];
      if (route) route(socket, { path, headers, seen });
      else socket.end(head('404 Not Found', { 'content-length': 0, connection: 'close' }));
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    hits: (path) => counts.get(path) ?? 0,
    lastHeaders: (path) => seenHeaders.get(path),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
