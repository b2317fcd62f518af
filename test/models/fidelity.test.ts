import fs from 'node:fs/promises';
import path from 'node:path';
import { AutoImageProcessor, RawImage } from '@huggingface/transformers';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { TransformersTextEmbedder } from '#adapters/transformers-embedder.ts';
import { pretrainedOptions } from '#adapters/transformers-env.ts';
import { loadPreparePixels } from '#adapters/transformers-pixels.ts';
import { loadTokenize } from '#adapters/transformers-text.ts';
import type { EmbedModelSpec } from '#core/model-spec.ts';
import type { RgbImage } from '#core/ports/models.ts';
import { dot, normalize } from '#core/vectors.ts';
import { findModel } from '#models/registry.ts';
import { embedModel, type ResolvedEmbedModel, resolveModels } from '#models/resolve.ts';
import { siglipFiles } from '#models/testing/embed-stand-ins.ts';
import { STAND_IN_LAYOUT } from '#models/testing/layout.ts';
import { tempDir } from './drawn-images.ts';

// Fixes found by reviewing the model code against the authors' own code (issue 9, item 5).

const embedSpec = (id: string) => findModel(id) as EmbedModelSpec;
const fileOf = (id: string, p: string) => embedSpec(id).files.find((f) => f.path === p);

describe('model pins', () => {
  it('pins Marqo-FashionCLIP to the merged commit of PR #1, with its text graph size and full sha256', () => {
    const spec = embedSpec('marqo-fashion-clip');

    expect(spec.source.revision).toBe('3d4e0292c9f68cf0604d16b301ce4f24cab412b5');
    expect(spec.source.baseUrl).toContain('/resolve/3d4e0292c9f68cf0604d16b301ce4f24cab412b5');
    expect(fileOf('marqo-fashion-clip', 'onnx/text_model.onnx')).toMatchObject({
      sizeBytes: 254_217_062,
      sha256: 'ccc2b8d0958767bac1850a5ba472098cda80e6faac837fe2fe595d74dd4d4c7b',
    });
    expect(spec.notes.join(' ')).toMatch(/vision_model\.onnx at 3d4e029: no page/);
  });

  it('checks both Marqo-FashionSigLIP graphs against their full published sha256', () => {
    expect(fileOf('marqo-fashion-siglip', 'onnx/text_model.onnx')?.sha256).toBe(
      'c1d501b23bddf27ba828c037b0780e44fdf47ca4c0b925ef190ab5bcf7aaf6e6',
    );
    expect(fileOf('marqo-fashion-siglip', 'onnx/vision_model.onnx')?.sha256).toBe(
      'a7e773846b27a699c45ba7e3978514b7fca420662d7e69e3b9226982f09f4a13',
    );
  });

  it('says why FashionCLIP 2.0 (ff13 export) keeps a short revision', () => {
    const spec = embedSpec('fashion-clip');

    expect(spec.source.revision).toBe('fd7b9b9');
    expect(spec.notes.join(' ')).toMatch(/stays a short hash: no page/);
  });
});

describe('SigLIP text: no attention mask, end token kept when truncating', () => {
  let model: ResolvedEmbedModel;

  beforeAll(async () => {
    // The stand-in SigLIP folder, with a text graph that declares attention_mask and shows what it was fed.
    const root = await tempDir('siglip-mask');
    for (const [relative, data] of siglipFiles({ textAttentionMask: true })) {
      await fs.mkdir(path.dirname(path.join(root, relative)), { recursive: true });
      await fs.writeFile(path.join(root, relative), data);
    }
    const spec = { ...embedSpec('test-siglip'), folder: STAND_IN_LAYOUT.siglipDir };
    model = embedModel(spec, root);
  });

  it('feeds a graph that declares attention_mask all ones, which is what no mask computes', async () => {
    // Prepare
    const tokenize = await loadTokenize(model);
    const encoded = tokenize(['red shirt']);
    const ids = new Tensor('int64', encoded.input_ids.data, encoded.input_ids.dims);
    const session = await InferenceSession.create(path.join(model.dir, 'onnx/text_model.onnx'));
    const run = async (mask: BigInt64Array) =>
      ((await session.run({ input_ids: ids, attention_mask: new Tensor('int64', mask, ids.dims) }))
        .text_embeds?.data ?? new Float32Array()) as Float32Array;
    const padded = encoded.input_ids.data.map((id) => (id === 0n ? 0n : 1n));
    const noMask = normalize(await run(new BigInt64Array(ids.data.length).fill(1n)));
    const tokenizerMask = normalize(await run(padded));
    const embedder = await TransformersTextEmbedder.create({ model, batchSize: 1 });

    // Act
    const [vector] = await embedder.embedTexts(['red shirt']);
    await embedder.dispose();

    // Assess
    expect(encoded.input_ids.dims).toEqual([1, 64]);
    expect(encoded.attention_mask).toMatchObject({ dims: [1, 64] });
    expect(dot(vector as Float32Array, noMask)).toBeCloseTo(1, 5);
    expect(dot(vector as Float32Array, tokenizerMask)).toBeLessThan(0.99);
  });

  it('keeps the end token in the last slot of a truncated text, as the Python tokenizer does', async () => {
    // Prepare
    const tokenize = await loadTokenize(model);
    const words = Array.from({ length: 100 }, (_, i) => ['red', 'blue', 'shirt', 'dress'][i % 4]).join(' ');

    // Act
    const short = tokenize(['red shirt']).input_ids.data;
    const long = tokenize([words]).input_ids.data;

    // Assess: the first 63 tokens are the text's, the 64th is the end token (1), not the 64th word.
    expect(short.slice(0, 3)).toEqual(BigInt64Array.from([short[0] as bigint, short[1] as bigint, 1n]));
    expect(long).toHaveLength(64);
    expect(long[63]).toBe(1n);
    expect([...long.slice(0, 63)].every((id) => id > 2n)).toBe(true);
  });
});

describe('antialiased downscaling', () => {
  // 1-px vertical stripes, red and blue: their mean is purple at every scale.
  const stripes = (side: number): RgbImage => {
    const data = new Uint8Array(side * side * 3);
    for (let i = 0; i < side * side; i++) data.set(i % 2 ? [220, 20, 40] : [20, 40, 220], i * 3);
    return { data, width: side, height: side };
  };
  // Largest distance of any pixel of channel c from that channel's expected mean, in normalised units.
  const worst = (values: Float32Array, expected: number[]) => {
    const plane = values.length / 3;
    let max = 0;
    for (let i = 0; i < values.length; i++)
      max = Math.max(max, Math.abs((values[i] as number) - (expected[Math.floor(i / plane)] as number)));
    return max;
  };
  const siglipMean = [120, 30, 130].map((v) => (v / 255 - 0.5) / 0.5);

  it('keeps a fine stripe pattern its mean colour at 224x224 (transformers.js alone aliases it)', async () => {
    // Prepare
    const modelsDir = await tempDir('stripes');
    const { embed } = await resolveModels({ models: 'test', modelsDir }, { embed: 'test-siglip' });
    const prepare = await loadPreparePixels(embed, { fit: 'pad', padColour: [0, 177, 64] });
    const processor = await AutoImageProcessor.from_pretrained(embed.dir, pretrainedOptions());
    const image = stripes(512);

    // Act
    const ours = (await prepare([image])).data;
    const raw = new RawImage(image.data, 512, 512, 3);
    const alone = ((await processor(raw)) as { pixel_values: { data: Float32Array } }).pixel_values.data;

    // Assess
    // Every pixel stays within 0.15 (19 of 255 levels; Pillow's bicubic gives the same) of purple; the affine
    // resize alone leaves whole stripes of red or blue (0.78 = 100 levels).
    expect(worst(ours, siglipMean)).toBeLessThan(0.15);
    expect(worst(alone, siglipMean)).toBeGreaterThan(0.5);
  });
});
