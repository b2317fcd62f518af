import diagnostics from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Resolver } from '#adapters/ip-guard.ts';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import { HttpClientError } from '#core/errors.ts';
import type { HttpGetOptions } from '#core/ports/http-client.ts';
import { type MisbehavingServer, startMisbehavingServer } from '#test/support/misbehaving-server.ts';

const options: HttpGetOptions = { timeoutMs: 2000, maxBytes: 1_000_000, maxRedirects: 5 };

/** Counts TCP client sockets created in this process (net publishes each one) and undici connections made. */
function socketWatch() {
  const counts = { sockets: 0, connected: 0 };
  const onSocket = () => counts.sockets++;
  const onConnected = () => counts.connected++;
  diagnostics.subscribe('net.client.socket', onSocket);
  diagnostics.subscribe('undici:client:connected', onConnected);
  const stop = () => {
    diagnostics.unsubscribe('net.client.socket', onSocket);
    diagnostics.unsubscribe('undici:client:connected', onConnected);
  };
  return { counts, stop };
}

/** A fake DNS: a table of answers, recording every question. */
function fakeDns(table: Record<string, string[]>) {
  const asked: string[] = [];
  const lookup: Resolver = async (hostname) => {
    asked.push(hostname);
    const found = table[hostname];
    if (!found) throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { asked, lookup };
}

async function blocked(act: Promise<unknown>): Promise<HttpClientError> {
  const error = await act.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpClientError);
  expect(error).toMatchObject({ reason: 'blocked_host', retryable: false });
  return error as HttpClientError;
}

describe('private-address guard of UndiciHttpClient', () => {
  let v4: MisbehavingServer;
  let v6: MisbehavingServer;
  let watch: ReturnType<typeof socketWatch>;
  beforeAll(async () => {
    v4 = await startMisbehavingServer('127.0.0.1');
    v6 = await startMisbehavingServer('::1');
  });
  afterAll(async () => {
    await v4.close();
    await v6.close();
  });
  beforeEach(() => {
    v4.reset();
    v6.reset();
    watch = socketWatch();
  });
  afterEach(() => watch.stop());

  it('refuses private IP literals before opening any socket', async () => {
    // Prepare
    const dns = fakeDns({});
    const client = new UndiciHttpClient({ allowPrivateHosts: false, lookup: dns.lookup });
    const targets = [
      `http://127.0.0.1:${v4.port}/ok.jpg`,
      'http://10.0.0.1/',
      `http://[::1]:${v6.port}/ok.jpg`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:10.0.0.1]/',
      `http://[::ffff:127.0.0.1]:${v4.port}/ok.jpg`,
      `http://2130706433:${v4.port}/ok.jpg`,
      'https://100.64.0.1/',
      'http://0.0.0.0/',
    ];
    // Act
    const errors = await Promise.all(targets.map((url) => blocked(client.get(url, options))));
    await client.close();
    // Assess
    expect(errors.map((e) => e.message)).toEqual(
      targets.map(() => expect.stringMatching(/^refusing to connect/)),
    );
    expect(watch.counts).toEqual({ sockets: 0, connected: 0 });
    expect(dns.asked).toEqual([]);
    expect(v4.connections() + v6.connections()).toBe(0);
  });

  it('refuses a host name whose DNS answer is private, and never dials the answer', async () => {
    // Prepare
    const dns = fakeDns({
      'images.example': ['10.1.2.3'],
      'rebound.example': ['93.184.216.34', '127.0.0.1'],
    });
    const client = new UndiciHttpClient({ allowPrivateHosts: false, lookup: dns.lookup });
    // Act
    const toPrivate = await blocked(client.get('http://images.example/a.jpg', options));
    const toLoopback = await blocked(client.get(`http://rebound.example:${v4.port}/ok.jpg`, options));
    await client.close();
    // Assess
    expect(toPrivate.message).toMatch(/images\.example \(resolves to 10\.1\.2\.3\): ipv4 private/);
    expect(toLoopback.message).toMatch(/rebound\.example \(resolves to 127\.0\.0\.1\)/);
    expect(dns.asked).toEqual(['images.example', 'rebound.example']);
    expect(watch.counts.connected).toBe(0);
    expect(v4.connections()).toBe(0);
  });

  it('re-checks every redirect hop: a public-looking host cannot bounce us to a private one', async () => {
    // Prepare: 127.0.0.1 plays a public CDN (exempted); ::1 stays private and must never be reached.
    const dns = fakeDns({ 'cdn.example': ['127.0.0.1'], 'internal.example': ['::1'] });
    const client = new UndiciHttpClient({
      allowPrivateHosts: false,
      allowAddresses: ['127.0.0.1'],
      lookup: dns.lookup,
    });
    const bounce = (to: string) => `http://cdn.example:${v4.port}/redirect-to?to=${encodeURIComponent(to)}`;
    // Act
    const literal = await blocked(client.get(bounce(`http://[::1]:${v6.port}/ok.jpg`), options));
    const named = await blocked(client.get(bounce(`http://internal.example:${v6.port}/ok.jpg`), options));
    await client.close();
    // Assess
    expect(literal.message).toMatch(/::1: ipv6 loopback/);
    expect(named.message).toMatch(/internal\.example \(resolves to ::1\)/);
    expect(v4.hits('/redirect-to')).toBe(2);
    expect(v6.connections()).toBe(0);
  });

  it('follows the same redirect when the second address is exempt too (the test above can fail)', async () => {
    // Prepare
    const dns = fakeDns({ 'cdn.example': ['127.0.0.1'], 'internal.example': ['::1'] });
    const client = new UndiciHttpClient({
      allowPrivateHosts: false,
      allowAddresses: ['127.0.0.1', '::1'],
      lookup: dns.lookup,
    });
    const to = encodeURIComponent(`http://internal.example:${v6.port}/ok.jpg`);
    // Act
    const res = await client.get(`http://cdn.example:${v4.port}/redirect-to?to=${to}`, options);
    await client.close();
    // Assess
    expect(res.status).toBe(200);
    expect(res.finalUrl).toBe(`http://internal.example:${v6.port}/ok.jpg`);
    expect(v6.hits('/ok.jpg')).toBe(1);
  });
});
