import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { loadConfig } from '#core/config.ts';
import { ModelMismatchError } from '#core/errors.ts';
import { createLocalRuntime } from '#local/runtime.ts';
import { serveSearch } from '#local/serve-search.ts';
import { resolveModels } from '#models/resolve.ts';
import { tempDir } from './drawn-images.ts';

const unit = (dim: number) => Float32Array.from({ length: dim }, (_, i) => (i === 0 ? 1 : 0));
const product = (dim: number) => ({
  id: 'p1',
  vector: unit(dim),
  images: ['https://cdn.example/p1.jpg'],
  metadata: {},
  imagesUsed: 1,
});

describe('an index built with another model', () => {
  it('is refused for test-siglip (768) when it holds test-clip (512) vectors: ingest and search both say so', async () => {
    // Prepare: a store bound to test-clip where the test-siglip runtime looks (a copied folder, or a shared store)
    const dataDir = await tempDir('mismatch');
    const config = loadConfig({ THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: dataDir });
    const models = await resolveModels(config, { embed: 'test-siglip' });
    const built = await FileVectorStore.open(path.join(dataDir, 'index', 'test-siglip'));
    await built.bind({ model: 'test-clip', dim: 512 });
    await built.upsert([product(512)]);
    await built.close();

    // Act
    const rt = await createLocalRuntime(config, models);
    const bindError = await rt.store
      .bind({ model: models.embed.id, dim: models.embed.dim })
      .catch((e: unknown) => e);
    const server = await serveSearch(rt, { port: 0 });
    const res = await fetch(`${server.url}/api/search?q=red%20shirt`);
    const body = (await res.json()) as { error: { code: string; message: string } };
    await server.close();
    await rt.close();

    // Assess
    expect(bindError).toBeInstanceOf(ModelMismatchError);
    expect((bindError as Error).message).toContain(
      'was built with model test-clip (dim 512); asked for test-siglip (dim 768)',
    );
    expect(res.status).toBe(503);
    expect(body.error.code).toBe('model_mismatch');
    expect(body.error.message).toContain('holds 512-d vectors of model "test-clip"');
    expect(body.error.message).toContain('768-d model "test-siglip"');
  });

  it('never arises from switching the model locally: each model has its own index folder', async () => {
    const dataDir = await tempDir('mismatch-folders');
    const config = loadConfig({ THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: dataDir });
    const clip = await createLocalRuntime(config, await resolveModels(config));
    await clip.store.bind({ model: 'test-clip', dim: 512 });
    await clip.store.upsert([product(512)]);
    await clip.close();

    const siglip = await createLocalRuntime(config, await resolveModels(config, { embed: 'test-siglip' }));
    const [count, info] = await Promise.all([siglip.store.count(), siglip.store.info()]);
    await siglip.close();

    expect([count, info]).toEqual([0, null]);
  });
});
