import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, MODEL_ENV } from '#core/config.ts';
import { ConfigError, ModelMissingError } from '#core/errors.ts';
import { findModel } from '#models/registry.ts';
import { resolveModels } from '#models/resolve.ts';
import { tempDir } from './drawn-images.ts';

/** Creates every registered file of `id` under `<modelsDir>/<id>/`, sparse and of the published size where known. */
async function fakeDownload(modelsDir: string, id: string): Promise<void> {
  for (const f of findModel(id)?.files ?? []) {
    const where = path.join(modelsDir, id, f.path);
    await fs.mkdir(path.dirname(where), { recursive: true });
    await fs.writeFile(where, '');
    if (f.sizeBytes) await fs.truncate(where, f.sizeBytes);
  }
}

describe('resolveModels, real mode', () => {
  it('throws ModelMissingError naming each model, the paths it looked at and the URLs', async () => {
    // Prepare
    const modelsDir = await tempDir('resolve-empty');

    // Act
    const error = await resolveModels({ models: 'real', modelsDir }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ModelMissingError);
    const message = (error as Error).message;
    expect(message).toContain('marqo-fashion-siglip (Marqo-FashionSigLIP, embed)');
    expect(message).toContain(
      `missing: ${path.join(modelsDir, 'marqo-fashion-siglip', 'onnx', 'text_model.onnx')}`,
    );
    expect(message).toContain(
      'https://huggingface.co/Marqo/marqo-fashionSigLIP/resolve/ef343cf10da5bbc6f069ebb3519e50009d3c11c8/onnx/vision_model.onnx',
    );
    expect(message).toContain(`missing: ${path.join(modelsDir, 'u2net_cloth_seg', 'u2net_cloth_seg.onnx')}`);
    expect(message).toContain(
      'https://github.com/danielgatis/rembg/releases/download/v0.0.0/u2net_cloth_seg.onnx',
    );
    expect(message).toContain('THREADFINDER_MODELS=test');
  });

  it('reports a file of the wrong size as incomplete and lists present files as looked at', async () => {
    const modelsDir = await tempDir('resolve-partial');
    await fakeDownload(modelsDir, 'marqo-fashion-siglip');
    await fakeDownload(modelsDir, 'u2net_cloth_seg');
    const textModel = path.join(modelsDir, 'marqo-fashion-siglip', 'onnx', 'text_model.onnx');
    await fs.truncate(textModel, 1000);

    const error = await resolveModels({ models: 'real', modelsDir }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelMissingError);
    const message = (error as Error).message;
    expect(message).toContain(
      `wrong size (1000 bytes, expected 441361402; incomplete download?): ${textModel}`,
    );
    expect(message).toContain(`present: ${path.join(modelsDir, 'marqo-fashion-siglip', 'config.json')}`);
    expect(message).not.toContain('u2net_cloth_seg (');
  });

  it('resolves the defaults to absolute paths when every file is present', async () => {
    const modelsDir = await tempDir('resolve-full');
    await fakeDownload(modelsDir, 'marqo-fashion-siglip');
    await fakeDownload(modelsDir, 'u2net_cloth_seg');

    const models = await resolveModels({ models: 'real', modelsDir });

    expect(models.mode).toBe('real');
    expect(models.embed).toMatchObject({
      id: 'marqo-fashion-siglip',
      family: 'siglip',
      dir: path.join(modelsDir, 'marqo-fashion-siglip'),
      textPadding: 'max_length',
      standIn: false,
    });
    expect(models.segment).toMatchObject({
      id: 'u2net_cloth_seg',
      contract: 'cloth',
      file: path.join(modelsDir, 'u2net_cloth_seg', 'u2net_cloth_seg.onnx'),
      inputSize: 768,
      garmentClasses: [1, 2, 3],
    });
  });

  it('refuses unknown ids, ids of the other task and stand-ins, listing the choices', async () => {
    const modelsDir = await tempDir('resolve-choice');

    await expect(resolveModels({ models: 'real', modelsDir }, { embed: 'nope' })).rejects.toBeInstanceOf(
      ConfigError,
    );
    await expect(resolveModels({ models: 'real', modelsDir }, { embed: 'u2netp' })).rejects.toThrow(
      'use one of: marqo-fashion-siglip, marqo-fashion-clip, fashion-clip',
    );
    await expect(resolveModels({ models: 'real', modelsDir }, { segment: 'test-cloth' })).rejects.toThrow(
      'use one of: u2net_cloth_seg, u2netp, isnet-general-use',
    );
  });
});

describe('resolveModels, choosing models', () => {
  it('takes the model ids and garment classes from the settings, the choice argument winning', async () => {
    // Prepare
    const modelsDir = await tempDir('resolve-settings');
    const config = loadConfig({
      THREADFINDER_MODELS: 'test',
      THREADFINDER_MODELS_DIR: modelsDir,
      [MODEL_ENV.embedModel]: 'test-siglip',
      [MODEL_ENV.garmentClasses]: 'full, upper',
    });

    // Act
    const fromSettings = await resolveModels(config);
    const overridden = await resolveModels(config, { embed: 'test-clip', garmentClasses: ['lower'] });

    // Assess
    expect(fromSettings.embed).toMatchObject({
      id: 'test-siglip',
      family: 'siglip',
      dim: 768,
      textMaxLength: 64,
    });
    expect(fromSettings.segment.garmentClasses).toEqual([1, 3]);
    expect(overridden.embed.id).toBe('test-clip');
    expect(overridden.segment.garmentClasses).toEqual([2]);
  });

  it('refuses unknown class names, naming the setting and the valid names', async () => {
    const modelsDir = await tempDir('resolve-classes');

    const attempt = resolveModels({ models: 'test', modelsDir }, { garmentClasses: ['upper', 'shoes'] });

    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(
      'THREADFINDER_GARMENT_CLASSES: unknown class shoes for test-cloth; use a comma-separated subset of: upper, lower, full',
    );
  });

  it('refuses a malformed setting when the configuration is loaded', () => {
    expect(() => loadConfig({ [MODEL_ENV.garmentClasses]: 'upper;lower' })).toThrow(
      /THREADFINDER_GARMENT_CLASSES/,
    );
    expect(() => loadConfig({ [MODEL_ENV.embedModel]: '../x' })).toThrow(/THREADFINDER_EMBED_MODEL/);
    expect(() => loadConfig({ [MODEL_ENV.imageFit]: 'crop' })).toThrow(/THREADFINDER_IMAGE_FIT/);
  });
});

describe('resolveModels, test mode', () => {
  it('writes the stand-ins under <modelsDir>/test and points at them', async () => {
    const modelsDir = await tempDir('resolve-test');

    const models = await resolveModels({ models: 'test', modelsDir }, { segment: 'test-saliency' });

    expect(models.embed).toMatchObject({
      id: 'test-clip',
      family: 'clip',
      dim: 512,
      textMaxLength: 77,
      standIn: true,
    });
    expect(models.embed.dir).toBe(path.join(modelsDir, 'test', 'fashion-clip-test'));
    expect(models.segment).toMatchObject({ id: 'test-saliency', contract: 'saliency', inputSize: 320 });
    await expect(fs.stat(path.join(models.embed.dir, 'onnx', 'vision_model.onnx'))).resolves.toBeTruthy();
    await expect(fs.stat(models.segment.file)).resolves.toBeTruthy();
  });
});
