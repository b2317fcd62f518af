import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelMissingError } from '#core/errors.ts';
import { DEFAULT_EMBED_MODEL, findModel } from '#models/registry.ts';
import { resolveModels } from '#models/resolve.ts';

let modelsDir: string;
beforeEach(async () => {
  modelsDir = await mkdtemp(path.join(tmpdir(), 'tf-need-'));
});
afterEach(() => rm(modelsDir, { recursive: true, force: true }));

/** Places the embedding model's files except its vision graph and image processor, as a search machine would. */
async function placeTextSide(): Promise<void> {
  const spec = findModel(DEFAULT_EMBED_MODEL);
  for (const file of spec?.files ?? []) {
    if (/vision_model|preprocessor_config/.test(file.path)) continue;
    const where = path.join(modelsDir, DEFAULT_EMBED_MODEL, file.path);
    await mkdir(path.dirname(where), { recursive: true });
    // A sparse file of the published size passes the size check without writing hundreds of MB.
    await writeFile(where, '');
    if (file.sizeBytes !== null) await truncate(where, file.sizeBytes);
    await import('node:fs/promises').then((fs) => fs.truncate(where, file.sizeBytes ?? 0));
  }
}

describe('resolveModels need', () => {
  it('lets a search-only process start with just the text side of the embedding model', async () => {
    await placeTextSide();
    const models = await resolveModels({ models: 'real', modelsDir }, { need: 'search' });
    expect(models.embed.id).toBe(DEFAULT_EMBED_MODEL);
  });

  it('still asks for the vision graph and the segmentation model when ingesting', async () => {
    await placeTextSide();
    const error = await resolveModels({ models: 'real', modelsDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelMissingError);
    expect(String((error as Error).message)).toMatch(/vision_model\.onnx/);
    expect(String((error as Error).message)).toMatch(/u2net_cloth_seg\.onnx/);
    expect(String((error as Error).message)).not.toMatch(/missing: .*text_model\.onnx/);
  });
});
