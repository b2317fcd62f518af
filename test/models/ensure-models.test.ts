import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelMissingError } from '#core/errors.ts';
import type { ModelSpec, SegmentModelSpec } from '#core/model-spec.ts';
import { ensureModels } from '#models/fetch/ensure-models.ts';
import { ModelFetchError } from '#models/fetch/errors.ts';
import { checkFiles, modelDir } from '#models/local-files.ts';
import { findModel } from '#models/registry.ts';
import type { ResolvedModels } from '#models/resolve.ts';
import { tempDir } from './drawn-images.ts';
import { type FileServer, startFileServer } from './fetch-server.ts';
import { offlineResolver } from './offline.ts';

const graph = randomBytes(300_000);
const noWait = { sleep: async () => undefined, random: () => 0 };
let server: FileServer;

beforeAll(async () => {
  server = await startFileServer(
    { 'u2netp.onnx': graph, 'bad.onnx': randomBytes(1000) },
    {
      'u2netp.onnx': { cutAfter: 100_000 },
    },
  );
});
afterAll(() => server.close());

/** The u2netp entry served by the loopback model server (`file` is served under the graph's name). */
function servedSpec(file = 'u2netp.onnx'): ModelSpec {
  const u2netp = findModel('u2netp') as SegmentModelSpec;
  return {
    ...u2netp,
    source: { ...u2netp.source, baseUrl: `${server.url}/redirect` },
    files: [
      { path: file, sizeBytes: graph.length, sha256: createHash('sha256').update(graph).digest('hex') },
    ],
  };
}

/** Resolves like resolveModels does: every file of the served spec present, else ModelMissingError. */
function resolver(spec: ModelSpec) {
  return async (config: { modelsDir: string }) => {
    const checks = await checkFiles(spec, modelDir(config.modelsDir, spec));
    const missing = checks.filter((c) => c.state !== 'present');
    if (missing.length > 0)
      throw new ModelMissingError(`model files missing:\n${missing.map((c) => c.line).join('\n')}`);
    return { mode: 'real' } as ResolvedModels;
  };
}

function sink() {
  const lines: string[] = [];
  return { lines, write: (text: string) => lines.push(text) };
}

const choice = { segment: 'u2netp', embed: 'not-registered' };

describe('ensureModels (start, ingest and serve with models missing)', () => {
  it('fetches missing models with the resumable, verified download and its progress lines, then resolves', async () => {
    // Prepare: the server cuts the first transfer short, so the download resumes with a Range request
    const modelsDir = await tempDir('ensure-models');
    const spec = servedSpec();
    const out = sink();
    const options = {
      sink: out,
      fetch: { allowAddresses: ['127.0.0.1'], clock: noWait },
      findSpec: (id: string) => (id === 'u2netp' ? spec : undefined),
      resolve: resolver(spec),
    };
    // Act
    const models = await ensureModels({ models: 'real', modelsDir }, choice, options);
    const requests = server.seen.length;
    await ensureModels({ models: 'real', modelsDir }, choice, options);
    // Assess
    expect(models.mode).toBe('real');
    expect(await fs.readFile(path.join(modelsDir, 'u2netp', 'u2netp.onnx'))).toEqual(graph);
    // The cut transfer was taken up again: with a Range from where it stopped when bytes had arrived (a reset
    // can drop them all on a loaded machine, and the download then starts over).
    const gets = server.seen.filter((r) => r.path === '/files/u2netp.onnx');
    expect(gets.length).toBeGreaterThanOrEqual(2);
    for (const r of gets.slice(1).filter((g) => g.range))
      expect(Number(/^bytes=(\d+)-$/.exec(r.range ?? '')?.[1])).toBeLessThanOrEqual(100_000);
    const text = out.lines.join('');
    expect(text).toContain('Model files missing: fetching u2netp');
    expect(text).toMatch(/u2netp\/u2netp\.onnx {2}\[#+\] 100% {2}0\.3\/0\.3 MB/);
    expect(text).toContain('Models fetched and verified.');
    expect(server.seen.length).toBe(requests);
  });

  it('offline, stops within seconds with the same list of files and URLs, and why it could not fetch', async () => {
    // Prepare
    const modelsDir = await tempDir('ensure-offline');
    const spec = {
      ...servedSpec(),
      source: { ...servedSpec().source, baseUrl: 'https://models.example/u2' },
    };
    const offline = offlineResolver();
    const started = Date.now();
    // Act
    const error = await ensureModels({ models: 'real', modelsDir }, choice, {
      sink: sink(),
      fetch: { lookup: offline.lookup, clock: noWait },
      findSpec: () => spec,
      resolve: resolver(spec),
    }).catch((e: unknown) => e);
    // Assess
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(ModelMissingError);
    const message = (error as Error).message;
    expect(message).toContain(`missing: ${path.join(modelsDir, 'u2netp', 'u2netp.onnx')}`);
    expect(message).toContain('from https://models.example/u2/u2netp.onnx');
    expect(message).toMatch(/fetching them failed: .*models\.example/);
    expect(offline.asked).toContain('models.example');
  });

  it('reports a download that fails verification as such, not as missing models', async () => {
    const modelsDir = await tempDir('ensure-corrupt');
    const spec = servedSpec('bad.onnx');
    const error = await ensureModels({ models: 'real', modelsDir }, choice, {
      sink: sink(),
      fetch: { allowAddresses: ['127.0.0.1'], clock: noWait },
      findSpec: () => spec,
      resolve: resolver(spec),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFetchError);
  });

  it('never fetches stand-ins (THREADFINDER_MODELS=test)', async () => {
    const requests = server.seen.length;
    const missing = new ModelMissingError('stand-in missing');
    const error = await ensureModels({ models: 'test', modelsDir: await tempDir('ensure-test') }, choice, {
      sink: sink(),
      findSpec: () => servedSpec(),
      resolve: async () => {
        throw missing;
      },
    }).catch((e: unknown) => e);
    expect(error).toBe(missing);
    expect(server.seen.length).toBe(requests);
  });
});
