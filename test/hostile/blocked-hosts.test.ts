import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import type { Resolver } from '#adapters/ip-guard.ts';
import { UndiciHttpClient, type UndiciHttpClientOptions } from '#adapters/undici-http-client.ts';
import { HostLimiter } from '#core/host-limiter.ts';
import type { Batch, ImageRecord } from '#core/types.ts';
import { runDownload } from '#functions/download/run-download.ts';
import { reasonOf } from '#test/support/image-records.ts';
import { type MisbehavingServer, startMisbehavingServer } from '#test/support/misbehaving-server.ts';

const dns: Record<string, string[]> = {
  'split.example': ['93.184.216.34', '10.0.0.7'],
  'split6.example': ['2606:4700::6810:84e5', '::1'],
  'mapped.example': ['::ffff:127.0.0.1'],
  'loop.example': ['127.0.0.1'],
};
const lookup: Resolver = async (hostname) => {
  const found = dns[hostname];
  if (!found) throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('download stage against hosts that point inwards', () => {
  let v4: MisbehavingServer;
  let v6: MisbehavingServer;
  let dir: string;
  beforeAll(async () => {
    v4 = await startMisbehavingServer('127.0.0.1');
    v6 = await startMisbehavingServer('::1');
    dir = await mkdtemp(path.join(tmpdir(), 'tf-hostile-blocked-'));
  });
  afterAll(async () => {
    await v4.close();
    await v6.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function download(urls: string[], options: Partial<UndiciHttpClientOptions> = {}) {
    const http = new UndiciHttpClient({ allowPrivateHosts: false, lookup, ...options });
    const batch: Batch = {
      runId: 'blocked',
      items: [
        { id: 'p', metadata: {}, images: urls.map((url): ImageRecord => ({ url, status: 'pending' })) },
      ],
    };
    try {
      const out = await runDownload(batch, {
        http,
        blobs: new FsBlobStore(dir),
        limiter: new HostLimiter(2),
        settings: { timeoutMs: 1000, maxBytes: 100_000, retries: 2, maxPixels: 1e6, maxRedirects: 5 },
        sleep: async () => undefined,
      });
      return out.items[0]?.images ?? [];
    } finally {
      await http.close();
    }
  }

  it('refuses a host name resolving to a public and a private address, for IPv4 and IPv6, without retrying', async () => {
    // Act
    const records = await download([
      `http://split.example:${v4.port}/ok.jpg`,
      `http://split6.example:${v6.port}/ok.jpg`,
      `http://mapped.example:${v4.port}/ok.jpg`,
    ]);
    // Assess
    expect(records.map(reasonOf)).toEqual(['blocked_host', 'blocked_host', 'blocked_host']);
    expect(records[0]?.detail).toMatch(/split\.example \(resolves to 10\.0\.0\.7\): ipv4 private address/);
    expect(records[1]?.detail).toMatch(/split6\.example \(resolves to ::1\): ipv6 loopback address/);
    expect(v4.hits('/ok.jpg') + v6.hits('/ok.jpg')).toBe(0);
  });

  it('refuses IPv6 literals of special ranges and fetches an allowed one', async () => {
    // Act
    const refused = await download([
      `http://[::1]:${v6.port}/ok.jpg`,
      'http://[fd00::1]/a.jpg',
      'http://[::]/a.jpg',
    ]);
    const allowed = await download([`http://[::1]:${v6.port}/ok.jpg`], { allowAddresses: ['::1'] });
    // Assess
    expect(refused.map(reasonOf)).toEqual(['blocked_host', 'blocked_host', 'blocked_host']);
    expect(allowed.map((r) => r.status)).toEqual(['downloaded']);
  });

  it('refuses a redirect from an allowed host to a private one', async () => {
    // Prepare
    const to = encodeURIComponent(`http://loop.example:${v4.port}/ok.jpg`);
    // Act
    const records = await download([`http://[::1]:${v6.port}/redirect-to?to=${to}`], {
      allowAddresses: ['::1'],
    });
    // Assess
    expect(records.map(reasonOf)).toEqual(['blocked_host']);
    expect(v4.hits('/ok.jpg')).toBe(0);
  });
});
