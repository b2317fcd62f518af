import fs from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TransformersImageEmbedder, TransformersTextEmbedder } from '#adapters/transformers-embedder.ts';
import { refusedFetches } from '#adapters/transformers-env.ts';
import { ModelMissingError } from '#core/errors.ts';
import { dot } from '#core/vectors.ts';
import { type ResolvedEmbedModel, resolveModels } from '#models/resolve.ts';
import { drawShirt, tempDir } from './drawn-images.ts';

const norm = (v: Float32Array) => Math.sqrt(dot(v, v));
const at = (list: Float32Array[], i: number) => list[i] as Float32Array;

let modelsDir: string;

beforeAll(async () => {
  modelsDir = await tempDir('embedders');
});

describe.each([
  ['test-clip', 'clip', 512],
  ['test-siglip', 'siglip', 768],
] as const)('%s through the transformers.js embedders', (id, family, dim) => {
  let model: ResolvedEmbedModel;
  let images: TransformersImageEmbedder;
  let texts: TransformersTextEmbedder;

  beforeAll(async () => {
    ({ embed: model } = await resolveModels({ models: 'test', modelsDir }, { embed: id }));
    [images, texts] = await Promise.all([
      TransformersImageEmbedder.create({ model, batchSize: 2, pixels: { fit: 'model' } }),
      TransformersTextEmbedder.create({ model, batchSize: 2 }),
    ]);
  });

  it(`returns one deterministic unit vector of dim ${dim} per image, batched or not`, async () => {
    // Prepare
    const red = await drawShirt('#d01c28');
    const blue = await drawShirt('#2040c0', '#ffffff', 180, 260);
    const grey = await drawShirt('#808080', '#00b140', 64, 64);

    // Act
    const together = await images.embedImages([red, blue, grey]);
    const alone = await Promise.all(
      [red, blue, grey].map(async (im) => at(await images.embedImages([im]), 0)),
    );

    // Assess
    expect([images.dim, images.modelId, model.family]).toEqual([dim, id, family]);
    expect(together).toHaveLength(3);
    for (const [i, v] of together.entries()) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(dim);
      expect(norm(v)).toBeCloseTo(1, 5);
      expect(dot(v, at(alone, i))).toBeCloseTo(1, 5);
    }
  });

  it('puts images with similar colour layouts closer than different ones', async () => {
    const vectors = await images.embedImages([
      await drawShirt('#d01c28'),
      await drawShirt('#a01820'),
      await drawShirt('#2040c0'),
    ]);

    expect(dot(at(vectors, 0), at(vectors, 1))).toBeGreaterThan(dot(at(vectors, 0), at(vectors, 2)));
  });

  it('returns an empty list for no images or texts', async () => {
    expect(await images.embedImages([])).toEqual([]);
    expect(await texts.embedTexts([])).toEqual([]);
  });

  it(`returns deterministic unit text vectors of dim ${dim}; a batch equals texts one by one despite padding`, async () => {
    const queries = ['red striped shirt', 'dress', 'a long navy wool coat with pockets', ''];

    const together = await texts.embedTexts(queries);
    const alone = await Promise.all(queries.map(async (q) => at(await texts.embedTexts([q]), 0)));

    expect(texts.dim).toBe(dim);
    expect(together).toHaveLength(4);
    for (const [i, v] of together.entries()) {
      expect(v).toHaveLength(dim);
      expect(norm(v)).toBeCloseTo(1, 5);
      expect(dot(v, at(alone, i))).toBeCloseTo(1, 5);
    }
    expect(dot(at(together, 0), at(together, 1))).toBeLessThan(0.99);
  });

  it('accepts text longer than the model context (truncated, not rejected)', async () => {
    const [long] = await texts.embedTexts([Array.from({ length: 120 }, () => 'shirt').join(' ')]);

    expect(norm(long as Float32Array)).toBeCloseTo(1, 5);
  });

  it('shares the space with images: colour words point at garments of that colour', async () => {
    const shirts = await images.embedImages([
      await drawShirt('#d01c28', '#00b140'),
      await drawShirt('#2040c0', '#00b140'),
    ]);
    const words = await texts.embedTexts(['red shirt', 'blue shirt']);

    expect(dot(at(words, 0), at(shirts, 0))).toBeGreaterThan(dot(at(words, 0), at(shirts, 1)));
    expect(dot(at(words, 1), at(shirts, 1))).toBeGreaterThan(dot(at(words, 1), at(shirts, 0)));
  });

  it('declares the graph inputs and outputs it runs', () => {
    expect(texts.io().inputs.map((i) => i.name)).toEqual(['input_ids']);
    expect(texts.io().outputs.map((o) => [o.name, o.shape])).toEqual([['text_embeds', ['batch_size', dim]]]);
    expect(images.io().inputs.map((i) => [i.name, i.type])).toEqual([['pixel_values', 'float32']]);
  });
});

describe('offline loading', () => {
  it('never asked for the network while loading and running', () => {
    expect(refusedFetches()).toEqual([]);
  });

  it('names the missing file instead of trying to download it', async () => {
    // Prepare: a copy of the stand-in folder without its text graph
    const { embed: model } = await resolveModels({ models: 'test', modelsDir });
    const dir = path.join(await tempDir('embed-missing'), 'model');
    await fs.cp(model.dir, dir, { recursive: true });
    await fs.rm(path.join(dir, 'onnx', 'text_model.onnx'));

    // Act
    const attempt = TransformersTextEmbedder.create({ model: { ...model, dir } });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ModelMissingError);
    await expect(attempt).rejects.toThrow(path.join(dir, 'onnx', 'text_model.onnx'));
    expect(refusedFetches()).toEqual([]);
  });

  it('names the JSON file that is damaged, in one printable line', async () => {
    // Prepare: a copy of the stand-in folder whose tokenizer.json is binary junk
    const { embed: model } = await resolveModels({ models: 'test', modelsDir });
    const dir = path.join(await tempDir('embed-bad-json'), 'model');
    await fs.cp(model.dir, dir, { recursive: true });
    await fs.writeFile(
      path.join(dir, 'tokenizer.json'),
      Buffer.from([0x09, 0x24, 0xff, 0xfe, 0x32, 0x00, 0x1b]),
    );

    // Act
    const error = await TransformersTextEmbedder.create({ model: { ...model, dir } }).then(
      () => new Error('loaded'),
      (e: unknown) => e as Error,
    );

    // Assess
    expect(error.message).toContain(`${path.join(dir, 'tokenizer.json')} is not valid JSON`);
    expect([...error.message].filter((c) => c.charCodeAt(0) < 0x20 || c === '\ufffd')).toEqual([]);
  });

  it('fails clearly when config.json disagrees with the registry width', async () => {
    const { embed: model } = await resolveModels({ models: 'test', modelsDir });

    const attempt = TransformersImageEmbedder.create({ model: { ...model, dim: 768 } });

    await expect(attempt).rejects.toThrow(/gives vision width 512, the registry says 768/);
  });

  it('refuses a batch size that is not a positive integer', async () => {
    const { embed: model } = await resolveModels({ models: 'test', modelsDir });

    await expect(TransformersTextEmbedder.create({ model, batchSize: 0 })).rejects.toThrow(
      'batch size must be a positive integer, got 0',
    );
  });
});
