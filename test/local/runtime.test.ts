import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#core/config.ts';
import type { RgbImage } from '#core/ports/models.ts';
import { createLocalRuntime, type LocalRuntime } from '#local/runtime.ts';
import { resolveModels } from '#models/resolve.ts';

let dir: string;
let rt: LocalRuntime;
const image: RgbImage = { data: new Uint8Array(32 * 32 * 3).fill(200), width: 32, height: 32 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-runtime-'));
  const config = loadConfig({ THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: dir });
  rt = await createLocalRuntime(config, await resolveModels(config));
});
afterAll(async () => {
  await rt?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('LocalRuntime.releaseIngestModels', () => {
  it('frees the segmentation and image models, and loads them again if asked', async () => {
    // Prepare
    const segmenter = await rt.segmenter();
    const embedder = await rt.imageEmbedder();
    await segmenter.segment(image);

    // Act
    await rt.releaseIngestModels();

    // Assess: the freed models no longer run; fresh ones do
    await expect(segmenter.segment(image)).rejects.toThrow();
    await expect(embedder.embedImages([image])).rejects.toThrow();
    const again = await rt.segmenter();
    expect(again).not.toBe(segmenter);
    expect((await again.segment(image)).width).toBe(again.inputSize);
    expect((await (await rt.imageEmbedder()).embedImages([image]))[0]).toHaveLength(embedder.dim);
  });
});
