import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '#cli/args.ts';
import { ingestCatalogFile } from '#cli/run-ingest.ts';
import { loadConfig } from '#core/config.ts';
import { embedSettings } from '#core/embed-settings.ts';
import { createLocalRuntime } from '#local/runtime.ts';
import { resolveModels } from '#models/resolve.ts';
import { tempDir } from '#test/models/drawn-images.ts';
import { startMisbehavingServer } from '#test/support/misbehaving-server.ts';

// The settings that change quality are recorded with the vectors (and printed by eval).

describe('recorded ablation settings', () => {
  it('records the embedder, segmenter and classes, background and fit, or that segmentation was off', async () => {
    // Prepare
    const env = {
      THREADFINDER_MODELS: 'test',
      THREADFINDER_IMAGE_FIT: 'model',
      THREADFINDER_BACKGROUND: '#ffffff',
    };
    const config = loadConfig({ ...env, THREADFINDER_GARMENT_CLASSES: 'upper,full' });
    const models = await resolveModels({ ...config, modelsDir: await tempDir('settings') });

    // Act
    const on = embedSettings(config, models);
    const off = embedSettings(config, models, false);

    // Assess
    expect(on).toEqual({
      embedModel: 'test-clip',
      embedDtype: 'fp32',
      segment: true,
      segmentModel: models.segment.id,
      segmentSize: 768,
      garmentClasses: ['upper', 'full'],
      background: '#ffffff',
      imageFit: 'model',
    });
    expect(off).toEqual({
      embedModel: 'test-clip',
      embedDtype: 'fp32',
      segment: false,
      background: '#ffffff',
      imageFit: 'model',
    });
  });

  it('records the segmentation size and embedding precision chosen, and keeps their masks apart', async () => {
    // Prepare
    const config = loadConfig({
      THREADFINDER_MODELS: 'test',
      THREADFINDER_SEGMENT_SIZE: '384',
      THREADFINDER_EMBED_DTYPE: 'q8',
    });
    const models = await resolveModels({ ...config, modelsDir: await tempDir('settings-size') });

    // Act
    const settings = embedSettings(config, models);

    // Assess
    expect(settings).toMatchObject({ segmentSize: 384, embedDtype: 'q8', segmentModel: 'test-cloth' });
  });

  it('a stand-in ingestion at q8 records embedDtype q8 with every product, under the q8 model id', async () => {
    // Prepare: two products served on loopback, the stand-ins' quantized graphs
    const dataDir = await tempDir('settings-q8-ingest');
    const images = await startMisbehavingServer();
    const catalog = path.join(dataDir, 'catalog.csv');
    await writeFile(
      catalog,
      `product_id,image_url\np1,${images.url}/ok.jpg?p1\np2,${images.url}/ok.png?p2\n`,
    );
    const config = loadConfig({
      THREADFINDER_MODELS: 'test',
      THREADFINDER_DATA_DIR: dataDir,
      THREADFINDER_EMBED_DTYPE: 'q8',
    });
    const rt = await createLocalRuntime(config, await resolveModels(config), {
      allowAddresses: ['127.0.0.1'],
    });
    const quiet = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;

    // Act
    const report = await ingestCatalogFile(rt, { file: catalog, log: () => {}, progressStream: quiet });
    const info = await rt.store.info();
    const stored = (await rt.store.getImageVectors?.(['p1', 'p2'])) ?? [];
    await rt.close();
    await images.close();

    // Assess
    expect(report.summary.productsStored).toBe(2);
    expect(info).toEqual({ model: 'test-clip@q8', dim: 512 });
    expect(stored.map((p) => [p.id, p.settings.embedDtype, p.settings.embedModel])).toEqual([
      ['p1', 'q8', 'test-clip@q8'],
      ['p2', 'q8', 'test-clip@q8'],
    ]);
  }, 60_000);

  it('refuses a segmentation size or precision it does not offer, naming the setting', () => {
    expect(() => loadConfig({ THREADFINDER_SEGMENT_SIZE: '500' })).toThrow(
      /THREADFINDER_SEGMENT_SIZE: expected one of 768, 512, 384, 320/,
    );
    expect(() => loadConfig({ THREADFINDER_EMBED_DTYPE: 'fp16' })).toThrow(/THREADFINDER_EMBED_DTYPE/);
  });

  it('--no-segment applies to start and ingest only', () => {
    expect(parseCommandLine(['ingest', 'c.csv', '--no-segment'])).toMatchObject({ noSegment: true });
    expect(parseCommandLine(['start', '--no-segment'])).toMatchObject({ noSegment: true });
    expect(parseCommandLine(['ingest', 'c.csv']).noSegment).toBeUndefined();
    expect(() => parseCommandLine(['serve', '--no-segment'])).toThrow(/--no-segment does not apply to serve/);
  });
});
