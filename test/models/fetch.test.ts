import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ModelFile } from '#core/model-spec.ts';
import type { DownloadJob } from '#models/fetch/download.ts';
import { ModelFetchError } from '#models/fetch/errors.ts';
import { tempDir } from './drawn-images.ts';
import { download, loopback, noWait } from './fetch-download.ts';
import { type FileServer, refusingPort, startFileServer } from './fetch-server.ts';
import { offlineResolver, recordingClock } from './offline.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const model = randomBytes(300_000);

let server: FileServer;
let dir: string;

beforeAll(async () => {
  dir = await tempDir('fetch');
  server = await startFileServer(
    {
      'model.onnx': model,
      'cut.onnx': model,
      'resume.onnx': model,
      'ignore.onnx': model,
      'busy.onnx': model,
      'trickle.onnx': model,
      'tampered.onnx': Buffer.concat([model.subarray(0, 1000), Buffer.alloc(1), model.subarray(1001)]),
    },
    {
      'cut.onnx': { cutAfter: 100_000 },
      'ignore.onnx': { ignoreRange: true },
      'busy.onnx': { failFirst: 503 },
      'trickle.onnx': { trickleAfter: 50_000 },
    },
  );
});
afterAll(() => server.close());

const exact: Omit<ModelFile, 'path'> = { sizeBytes: model.length, sha256: sha256(model) };
const job = (name: string, file: Omit<ModelFile, 'path'> = exact): DownloadJob => ({
  url: `${server.url}/redirect/${name}`,
  dest: path.join(dir, name),
  file: { path: name, ...file },
});
const exists = (file: string) =>
  fs.stat(file).then(
    () => true,
    () => false,
  );
const requestsFor = (name: string) => server.seen.filter((r) => r.path.endsWith(`/${name}`));

describe('downloadFile against a loopback server', () => {
  it('follows the redirect, verifies the sha256 and renames the file into place', async () => {
    // Prepare
    const target = job('model.onnx');

    // Act
    const result = await download(target);

    // Assess
    expect(result).toMatchObject({ verified: 'sha256', requests: 1, resumedFrom: [] });
    expect((await fs.readFile(target.dest)).equals(model)).toBe(true);
    expect(await exists(`${target.dest}.partial`)).toBe(false);
    expect(requestsFor('model.onnx').map((r) => r.path)).toEqual([
      '/redirect/model.onnx',
      '/files/model.onnx',
    ]);
  });

  it('resumes an interrupted transfer with a Range request', async () => {
    const target = job('cut.onnx');
    const progress: number[] = [];

    const result = await download(target, { ...loopback, onProgress: (p) => progress.push(p.receivedBytes) });

    expect(result.resumedFrom).toEqual([100_000]);
    expect(requestsFor('cut.onnx').map((r) => r.range)).toEqual([
      undefined,
      undefined,
      'bytes=100000-',
      'bytes=100000-',
    ]);
    expect((await fs.readFile(target.dest)).equals(model)).toBe(true);
    expect(progress.at(-1)).toBe(model.length);
  });

  it('cuts a transfer that trickles slower than the least accepted, and resumes it', async () => {
    // Prepare: the first answer sends 50 KB, then 10 bytes every 50 ms (200 B/s), never idle long enough to time out
    const target = job('trickle.onnx');
    // Act
    const result = await download(target, { ...loopback, slowest: { bytes: 5_000, windowMs: 400 } });
    // Assess
    expect(result.resumedFrom).toHaveLength(1);
    expect(result.resumedFrom[0]).toBeGreaterThanOrEqual(50_000);
    expect((await fs.readFile(target.dest)).equals(model)).toBe(true);
  });

  it('resumes a .partial file left by an earlier run', async () => {
    const target = job('resume.onnx');
    await fs.writeFile(`${target.dest}.partial`, model.subarray(0, 123_456));
    // The record an earlier run wrote beside its .partial file: a resume continues only a known download.
    const record = { url: target.url, totalBytes: model.length };
    await fs.writeFile(`${target.dest}.partial.json`, JSON.stringify(record));

    const result = await download(target);

    expect(result).toMatchObject({ requests: 1, resumedFrom: [123_456], verified: 'sha256' });
    expect(await exists(`${target.dest}.partial.json`)).toBe(false);
    expect((await fs.readFile(target.dest)).equals(model)).toBe(true);
  });

  it('starts over cleanly when the server ignores the Range header', async () => {
    const target = job('ignore.onnx');
    await fs.writeFile(`${target.dest}.partial`, Buffer.from('stale bytes from another file'));

    await download(target);

    expect((await fs.readFile(target.dest)).equals(model)).toBe(true);
  });

  it('retries a 503 and then succeeds', async () => {
    const result = await download(job('busy.onnx'));

    expect(result.requests).toBe(2);
  });

  it('deletes a download whose checksum does not match, leaving no corrupt file in the cache', async () => {
    const target = job('tampered.onnx');

    const error = await download(target).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelFetchError);
    expect(error).toMatchObject({ failure: 'checksum' });
    expect((error as Error).message).toContain(`${target.url} failed verification (sha256 `);
    expect(await exists(target.dest)).toBe(false);
    expect(await exists(`${target.dest}.partial`)).toBe(false);
  });

  it('checks the published start and end of a hash when only those are known', async () => {
    const hash = sha256(model);
    const good = job('model.onnx', {
      sizeBytes: null,
      sha256: null,
      sha256Hint: { prefix: hash.slice(0, 8), suffix: hash.slice(-6) },
    });
    const bad = job('model.onnx', {
      sizeBytes: null,
      sha256: null,
      sha256Hint: { prefix: '00000000', suffix: hash.slice(-6) },
    });

    const result = await download({ ...good, dest: path.join(dir, 'hint-good.onnx') });
    const error = await download({ ...bad, dest: path.join(dir, 'hint-bad.onnx') }).catch((e: unknown) => e);

    expect(result.verified).toBe('sha256-partial');
    expect(error).toMatchObject({ failure: 'checksum' });
    expect(await exists(path.join(dir, 'hint-bad.onnx'))).toBe(false);
  });

  it('refuses a body over the size limit and keeps nothing', async () => {
    const target = {
      ...job('model.onnx', { sizeBytes: 1000, sha256: null }),
      dest: path.join(dir, 'small.onnx'),
    };

    const error = await download(target).catch((e: unknown) => e);

    expect(error).toMatchObject({ failure: 'too_large' });
    expect((error as Error).message).toContain('over the limit of 1000');
    expect(await exists(target.dest)).toBe(false);
    expect(await exists(`${target.dest}.partial`)).toBe(false);
  });

  it('does not retry a 404 and says what it means', async () => {
    const target = job('absent.onnx');

    const error = await download(target).catch((e: unknown) => e);

    expect(error).toMatchObject({ failure: 'http' });
    expect((error as Error).message).toMatch(
      /HTTP 404 from .*absent\.onnx .*not found: is the registry revision right\?/,
    );
    expect(requestsFor('absent.onnx')).toHaveLength(2);
  });
});

describe('downloadFile when the host cannot be reached', () => {
  it('gives up on a refused port after one retry within half a second, naming the URL', async () => {
    const refusing = await refusingPort();
    onTestFinished(() => refusing.close());
    const { port } = refusing;
    const target = {
      ...job('model.onnx'),
      url: `http://127.0.0.1:${port}/model.onnx`,
      dest: path.join(dir, 'closed.onnx'),
    };
    const clock = recordingClock();

    const error = await download(target, { ...loopback, clock }).catch((e: unknown) => e);

    expect(clock.waits).toEqual([499]);
    expect(error).toMatchObject({ failure: 'unreachable', url: target.url });
    expect((error as Error).message).toContain(`cannot reach 127.0.0.1:${port} for ${target.url} (`);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('gives up after one retry when DNS has no answer (offline)', async () => {
    const offline = offlineResolver();
    const target = {
      ...job('model.onnx'),
      url: 'https://models.invalid/m.onnx',
      dest: path.join(dir, 'dns.onnx'),
    };
    const clock = recordingClock();

    const error = await download(target, { lookup: offline.lookup, clock }).catch((e: unknown) => e);

    expect(offline.asked).toEqual(['models.invalid', 'models.invalid']);
    expect(clock.waits).toEqual([499]);
    expect(error).toMatchObject({ failure: 'unreachable' });
    expect((error as Error).message).toContain(
      'cannot reach models.invalid for https://models.invalid/m.onnx',
    );
  });

  it('refuses a private address unless it is explicitly allowed', async () => {
    const error = await download(
      { ...job('model.onnx'), dest: path.join(dir, 'private.onnx') },
      { clock: noWait },
    ).catch((e: unknown) => e);

    expect(error).toMatchObject({ failure: 'blocked' });
    expect((error as Error).message).toMatch(/refusing to connect to 127\.0\.0\.1/);
  });
});
