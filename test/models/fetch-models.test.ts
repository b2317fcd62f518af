import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec, SegmentModelSpec } from '#core/model-spec.ts';
import { ModelFetchError } from '#models/fetch/errors.ts';
import { fetchModels } from '#models/fetch/fetch-models.ts';
import { manifestPath } from '#models/fetch/manifest.ts';
import { findModel } from '#models/registry.ts';
import { tempDir } from './drawn-images.ts';
import { type FileServer, startFileServer } from './fetch-server.ts';
import { offlineResolver, recordingClock } from './offline.ts';

const graph = randomBytes(50_000);
const notes = Buffer.from('{"note":"no published checksum"}');
const noWait = { sleep: async () => undefined, random: () => 0 };

let server: FileServer;

beforeAll(async () => {
  server = await startFileServer({ 'u2netp.onnx': graph, 'notes.json': notes });
});
afterAll(() => server.close());

/** The u2netp entry, pointed at the loopback server: one hashed graph, one file with no checksum. */
function servedSpec(): ModelSpec {
  const u2netp = findModel('u2netp') as SegmentModelSpec;
  return {
    ...u2netp,
    source: { ...u2netp.source, baseUrl: `${server.url}/redirect` },
    files: [
      {
        path: 'u2netp.onnx',
        sizeBytes: graph.length,
        sha256: createHash('sha256').update(graph).digest('hex'),
      },
      { path: 'notes.json', sizeBytes: null, sha256: null },
    ],
  };
}

const options = (modelsDir: string) => ({ modelsDir, allowAddresses: ['127.0.0.1'], clock: noWait });

describe('fetchModels', () => {
  it('downloads into <modelsDir>/<id>/, records a manifest, and skips recorded files next time', async () => {
    // Prepare
    const modelsDir = await tempDir('fetch-models');

    // Act
    const first = await fetchModels([servedSpec()], options(modelsDir));
    const before = server.seen.length;
    const second = await fetchModels([servedSpec()], options(modelsDir));

    // Assess
    expect(first.map((o) => [o.path, o.action, o.verified])).toEqual([
      ['u2netp.onnx', 'downloaded', 'sha256'],
      ['notes.json', 'downloaded', 'unverified'],
    ]);
    expect(second.map((o) => o.action)).toEqual(['already present', 'already present']);
    expect(server.seen.length).toBe(before);
    const manifest = JSON.parse(await fs.readFile(manifestPath(path.join(modelsDir, 'u2netp')), 'utf8'));
    expect(manifest.files['notes.json']).toMatchObject({
      verified: 'unverified',
      sizeBytes: notes.length,
      sha256: createHash('sha256').update(notes).digest('hex'),
    });
  });

  it('checks a file placed by hand instead of downloading it, and replaces a corrupt one', async () => {
    const modelsDir = await tempDir('fetch-by-hand');
    const dir = path.join(modelsDir, 'u2netp');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'u2netp.onnx'), graph);
    await fs.writeFile(path.join(dir, 'notes.json'), notes);
    const before = server.seen.length;

    const placed = await fetchModels([servedSpec()], options(modelsDir));
    await fs.writeFile(path.join(dir, 'u2netp.onnx'), Buffer.alloc(graph.length));
    await fs.rm(manifestPath(dir));
    const repaired = await fetchModels([servedSpec()], options(modelsDir));

    expect(placed.map((o) => o.action)).toEqual(['checked in place', 'checked in place']);
    expect(server.seen.length).toBe(before + 2);
    expect(repaired[0]).toMatchObject({ action: 'downloaded', verified: 'sha256' });
    expect(repaired[0]?.replaced).toMatch(/u2netp\.onnx failed verification \(sha256 .*\) and was deleted/);
    expect((await fs.readFile(path.join(dir, 'u2netp.onnx'))).equals(graph)).toBe(true);
  });

  it('offline: stops at the first file after one retry, naming the URL and how to place every file by hand', async () => {
    const modelsDir = await tempDir('fetch-offline');
    const offline = offlineResolver();
    const clock = recordingClock();
    const siglip = findModel('marqo-fashion-siglip') as ModelSpec;

    const error = await fetchModels([siglip], { modelsDir, lookup: offline.lookup, clock }).catch(
      (e: unknown) => e,
    );

    expect(offline.asked).toEqual(['huggingface.co', 'huggingface.co']);
    expect(clock.waits).toEqual([499]);
    expect(error).toBeInstanceOf(ModelFetchError);
    const message = (error as Error).message;
    expect(message).toContain(`cannot reach huggingface.co for ${siglip.source.baseUrl}/config.json`);
    expect(message).toContain('To place the files by hand');
    expect(message).toContain(
      `${siglip.source.baseUrl}/onnx/vision_model.onnx\n    -> ${path.join(modelsDir, 'marqo-fashion-siglip', 'onnx', 'vision_model.onnx')}`,
    );
  });
});
