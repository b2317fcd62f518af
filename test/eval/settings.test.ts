import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '#cli/args.ts';
import { loadConfig } from '#core/config.ts';
import { embedSettings } from '#core/embed-settings.ts';
import { resolveModels } from '#models/resolve.ts';
import { tempDir } from '#test/models/drawn-images.ts';

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
