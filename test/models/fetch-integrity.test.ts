import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thisProcess } from '#adapters/lock-liveness.ts';
import { EnvironmentFaultError } from '#core/env-fault.ts';
import type { ModelFile, ModelSpec, SegmentModelSpec } from '#core/model-spec.ts';
import type { DownloadJob } from '#models/fetch/download.ts';
import { ModelFetchError } from '#models/fetch/errors.ts';
import { FETCH_LOCK } from '#models/fetch/fetch-lock.ts';
import { fetchModels } from '#models/fetch/fetch-models.ts';
import { findModel } from '#models/registry.ts';
import { tempDir } from './drawn-images.ts';
import { download, loopback, noWait } from './fetch-download.ts';
import { type FileServer, startFileServer } from './fetch-server.ts';

const model = randomBytes(200_000);
const changed = randomBytes(200_000);
const files: Record<string, Buffer> = {
  'stray.bin': model,
  'changed.bin': model,
  'bad-range.bin': model,
  'full.bin': model,
  'u2netp.onnx': model,
  'notes.json': model,
};

let server: FileServer;
let dir: string;

beforeAll(async () => {
  dir = await tempDir('fetch-integrity');
  server = await startFileServer(files, {
    'changed.bin': { cutAfter: 50_000 },
    'bad-range.bin': { cutAfter: 50_000, badRange: { total: model.length + 5, extra: 5 } },
  });
});
afterAll(() => server.close());

// No published size or checksum: nothing but the resume checks stands between a bad resume and the cache.
const unpublished: Omit<ModelFile, 'path'> = { sizeBytes: null, sha256: null };
const job = (name: string): DownloadJob => ({
  url: `${server.url}/redirect/${name}`,
  dest: path.join(dir, name),
  file: { path: name, ...unpublished },
});
const requestsFor = (name: string) => server.seen.filter((r) => r.path === `/files/${name}`);

describe('a resume continues only the download it started', () => {
  it('discards a .partial file with no record of where it came from and downloads the file whole', async () => {
    const target = job('stray.bin');
    await fs.writeFile(`${target.dest}.partial`, randomBytes(100_000));

    const result = await download(target);

    expect(result.resumedFrom).toEqual([]);
    expect((await fs.readFile(target.dest)).equals(model)).toBe(true);
    expect(requestsFor('stray.bin').every((r) => r.range === undefined)).toBe(true);
  });

  it('sends If-Range with the recorded ETag, and takes the whole new file when it changed', async () => {
    const target = job('changed.bin');
    await expect(download(target, { ...loopback, retries: 0 })).rejects.toThrow(/interrupted/);
    files['changed.bin'] = changed;

    const result = await download(target);

    expect((await fs.readFile(target.dest)).equals(changed)).toBe(true);
    expect(result.resumedFrom).toEqual([50_000]);
    expect(requestsFor('changed.bin').at(-1)).toMatchObject({ range: 'bytes=50000-' });
    expect(requestsFor('changed.bin').at(-1)?.ifRange).toMatch(/^"[0-9a-f]{16}"$/);
    await expect(fs.stat(`${target.dest}.partial.json`)).rejects.toThrow();
  });

  it('starts over when a 206 names another total size and sends bytes past it', async () => {
    const target = job('bad-range.bin');

    const result = await download(target);

    expect((await fs.readFile(target.dest)).equals(model)).toBe(true);
    const ranges = requestsFor('bad-range.bin').map((r) => r.range ?? 'whole');
    expect(ranges).toEqual(['whole', 'bytes=50000-', 'whole']);
    expect(result.digest.sizeBytes).toBe(model.length);
  });
});

describe('a disk fault while writing a model file', () => {
  it('stops at once with the environment fault naming the file, without retrying', async () => {
    const target = job('full.bin');
    await fs.symlink('/dev/full', `${target.dest}.partial`);

    const failure = await download(target).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(EnvironmentFaultError);
    expect((failure as EnvironmentFaultError).kind).toBe('disk_full');
    expect((failure as Error).message).toContain(`${target.dest}.partial`);
    expect(requestsFor('full.bin')).toHaveLength(1);
  });
});

describe('one models fetch at a time per model folder', () => {
  function servedSpec(): ModelSpec {
    const u2netp = findModel('u2netp') as SegmentModelSpec;
    return {
      ...u2netp,
      source: { ...u2netp.source, baseUrl: `${server.url}/redirect` },
      files: [
        {
          path: 'u2netp.onnx',
          sizeBytes: model.length,
          sha256: createHash('sha256').update(model).digest('hex'),
        },
      ],
    };
  }
  const options = (modelsDir: string) => ({ modelsDir, allowAddresses: ['127.0.0.1'], clock: noWait });
  const holder = (pid: number) => ({ pid, host: thisProcess().host, since: '2026-01-01T00:00:00.000Z' });

  it('refuses while a live process holds the folder, naming it and the lock file', async () => {
    const modelsDir = await tempDir('fetch-locked');
    const lock = path.join(modelsDir, 'u2netp', FETCH_LOCK);
    await fs.mkdir(path.dirname(lock), { recursive: true });
    await fs.writeFile(lock, JSON.stringify(holder(process.ppid)));
    const before = server.seen.length;

    const failure = await fetchModels([servedSpec()], options(modelsDir)).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ModelFetchError);
    expect((failure as ModelFetchError).failure).toBe('busy');
    expect((failure as Error).message).toBe(
      `another models fetch is writing ${path.dirname(lock)} (process ${process.ppid} since ` +
        `2026-01-01T00:00:00.000Z); wait for it or delete ${lock} if it is gone`,
    );
    expect(server.seen.length).toBe(before);
    expect(JSON.parse(await fs.readFile(lock, 'utf8')).pid).toBe(process.ppid);
  });

  it('two fetches at once into one folder: one downloads, the other is refused', async () => {
    const modelsDir = await tempDir('fetch-race');

    const results = await Promise.allSettled([
      fetchModels([servedSpec()], options(modelsDir)),
      fetchModels([servedSpec()], options(modelsDir)),
    ]);

    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((refused.reason as ModelFetchError).failure).toBe('busy');
    const file = path.join(modelsDir, 'u2netp', 'u2netp.onnx');
    expect((await fs.readFile(file)).equals(model)).toBe(true);
    await expect(fs.stat(path.join(modelsDir, 'u2netp', FETCH_LOCK))).rejects.toThrow();
  });

  it('takes over a lock left by a process that is gone', async () => {
    const modelsDir = await tempDir('fetch-stale');
    const lock = path.join(modelsDir, 'u2netp', FETCH_LOCK);
    await fs.mkdir(path.dirname(lock), { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString().trim();
    await fs.writeFile(lock, JSON.stringify(holder(Number(gone))));

    const outcomes = await fetchModels([servedSpec()], options(modelsDir));

    expect(outcomes.map((o) => o.action)).toEqual(['downloaded']);
    await expect(fs.stat(lock)).rejects.toThrow();
  });
});
