import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from '#functions/search/api.ts';
import { type RunningServer, startServer } from '#local/http-server.ts';
import { catalogStore, textEmbedder } from '#test/search/fixtures.ts';

// A client that never lets go of its connection must not hold a server file descriptor for ever, nor keep a
// stopping server from stopping.

const servers: RunningServer[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(closeGraceMs?: number): Promise<RunningServer> {
  const api = createApi({ text: textEmbedder(), store: await catalogStore() });
  const timeouts = { headersMs: 300, requestMs: 600, checkEveryMs: 100 };
  const server = await startServer({
    api,
    port: 0,
    timeouts,
    ...(closeGraceMs !== undefined && { closeGraceMs }),
  });
  servers.push(server);
  return server;
}

/** A raw connection that keeps its own side open and sends a byte every 100 ms; resolves when the server drops it. */
function trickle(url: string, first: string): { answer: () => string; dropped: Promise<number> } {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port), allowHalfOpen: true });
  sockets.push(socket);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.write(first);
  const timer = setInterval(() => socket.write('x'), 100);
  const started = Date.now();
  const dropped = new Promise<number>((resolve) => {
    const done = () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    };
    socket.on('error', done);
    socket.on('close', done);
  });
  return { answer: () => Buffer.concat(chunks).toString('utf8'), dropped };
}

describe('connections a client will not let go of', () => {
  it.each([
    ['a request whose headers never end (408)', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ', / 408 /],
    ['a malformed request (400)', 'NOT HTTP AT ALL\r\n\r\n', / 400 /],
  ])(
    'drops the connection of %s within seconds of answering, though the client keeps sending',
    async (_, first, status) => {
      // Prepare
      const server = await start();
      // Act
      const client = trickle(server.url, first);
      const heldMs = await Promise.race([
        client.dropped,
        new Promise<number>((r) => setTimeout(() => r(Infinity), 8000)),
      ]);
      // Assess: the answer came, then the socket went (LINGER_MS is 2 s after the answer)
      expect(client.answer().split('\r\n')[0]).toMatch(status);
      expect(heldMs).toBeLessThan(5000);
    },
    15_000,
  );

  it('stops within its grace period while a client trickles header bytes', async () => {
    // Prepare: a request whose headers never end
    const server = await start(300);
    const client = trickle(server.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Act
    const started = Date.now();
    await server.close();
    servers.splice(0);
    // Assess
    expect(Date.now() - started).toBeLessThan(3000);
    await client.dropped;
  }, 15_000);
});
