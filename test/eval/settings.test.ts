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
      segment: true,
      segmentModel: models.segment.id,
      garmentClasses: ['upper', 'full'],
      background: '#ffffff',
      imageFit: 'model',
    });
    expect(off).toEqual({
      embedModel: 'test-clip',
      segment: false,
      background: '#ffffff',
      imageFit: 'model',
    });
  });

  it('--no-segment applies to start and ingest only', () => {
    expect(parseCommandLine(['ingest', 'c.csv', '--no-segment'])).toMatchObject({ noSegment: true });
    expect(parseCommandLine(['start', '--no-segment'])).toMatchObject({ noSegment: true });
    expect(parseCommandLine(['ingest', 'c.csv']).noSegment).toBeUndefined();
    expect(() => parseCommandLine(['serve', '--no-segment'])).toThrow(/--no-segment does not apply to serve/);
  });
});
