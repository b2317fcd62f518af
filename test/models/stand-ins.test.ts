import fs from 'node:fs/promises';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { configureOfflineTransformers, refusedFetches } from '#adapters/transformers-env.ts';
import type { EmbedModelSpec, SegmentModelSpec, TensorSpec } from '#core/model-spec.ts';
import { findModel } from '#models/registry.ts';
import { type StandInPaths, writeStandInModels } from '#models/testing/stand-ins.ts';
import { tempDir } from './drawn-images.ts';

let paths: StandInPaths;

beforeAll(async () => {
  paths = await writeStandInModels(await tempDir('stand-ins'));
});

const io = async (file: string) => {
  const session = await ort.InferenceSession.create(file);
  const meta = (list: readonly ort.InferenceSession.ValueMetadata[]) =>
    list.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name }));
  return { session, inputs: meta(session.inputMetadata), outputs: meta(session.outputMetadata) };
};

describe('writeStandInModels', () => {
  it('writes the transformers.js CLIP and SigLIP layouts and the two rembg-style files', async () => {
    const folder = (dir: string) => {
      const d = path.relative(paths.root, dir);
      const files = ['config.json', 'preprocessor_config.json', 'special_tokens_map.json', 'tokenizer.json'];
      return [
        d,
        `${d}/onnx`,
        `${d}/onnx/text_model.onnx`,
        `${d}/onnx/vision_model.onnx`,
        // The quantized precisions under transformers.js's names (THREADFINDER_EMBED_DTYPE q8 and int8).
        `${d}/onnx/text_model_quantized.onnx`,
        `${d}/onnx/vision_model_quantized.onnx`,
        `${d}/onnx/text_model_int8.onnx`,
        `${d}/onnx/vision_model_int8.onnx`,
        `${d}/tokenizer_config.json`,
      ].concat(files.map((f) => `${d}/${f}`));
    };

    const files = (await fs.readdir(paths.root, { recursive: true })).sort();

    expect(files).toEqual(
      [
        ...folder(paths.clipDir),
        ...folder(paths.siglipDir),
        'u2net_cloth_seg-test.onnx',
        'u2netp-test.onnx',
      ].sort(),
    );
    expect(paths.written).toHaveLength(24);
  });

  it.each([
    ['test-clip', 'fashion-clip', 'clipDir'],
    ['test-siglip', 'marqo-fashion-siglip', 'siglipDir'],
  ] as const)(
    '%s reproduces the names, dtypes and shapes %s declares, at each precision',
    async (_standIn, realId, dir) => {
      const real = findModel(realId) as EmbedModelSpec;
      const declared = (t: TensorSpec) => ({ name: t.name, type: t.dtype, shape: t.shape });

      for (const suffix of ['', '_quantized', '_int8']) {
        const text = await io(path.join(paths[dir], 'onnx', `text_model${suffix}.onnx`));
        const vision = await io(path.join(paths[dir], 'onnx', `vision_model${suffix}.onnx`));

        expect(text.inputs).toEqual([declared(real.text.input)]);
        expect(text.outputs).toEqual([declared(real.text.output)]);
        expect(vision.inputs).toEqual([declared(real.vision.input)]);
        expect(vision.outputs).toEqual([declared(real.vision.output)]);
      }
    },
  );

  it.each([
    ['test-cloth', 'u2net_cloth_seg', 'clothFile'],
    ['test-saliency', 'u2netp', 'saliencyFile'],
  ] as const)(
    '%s reproduces the dtypes and channels of %s, with free height and width (names are read at run time)',
    async (_s, realId, key) => {
      const real = findModel(realId) as SegmentModelSpec;
      // The stand-ins are 1x1 convolutions: they run at the model's own size and every THREADFINDER_SEGMENT_SIZE.
      const free = (shape: readonly (number | string)[]) => [...shape.slice(0, 2), 'height', 'width'];

      const { inputs, outputs } = await io(paths[key]);

      expect(inputs).toHaveLength(1);
      expect(inputs[0]).toMatchObject({ type: real.input.dtype, shape: free(real.input.shape) });
      expect(outputs[0]).toMatchObject({ type: real.output.dtype, shape: free(real.output.shape) });
    },
  );

  it('is deterministic and skips files whose content hash already matches, rewriting a changed one', async () => {
    const other = await writeStandInModels(await tempDir('stand-ins-again'));
    const tampered = path.join(paths.clipDir, 'onnx', 'vision_model.onnx');
    await fs.writeFile(tampered, 'not a model');

    const again = await writeStandInModels(paths.root);

    expect(again.written).toEqual([tampered]);
    for (const name of ['onnx/text_model.onnx', 'onnx/vision_model.onnx', 'tokenizer.json']) {
      const [a, b] = await Promise.all(
        [paths.clipDir, other.clipDir].map((d) => fs.readFile(path.join(d, name))),
      );
      expect(a?.equals(b as Buffer)).toBe(true);
    }
  });

  it('text model: input_ids int64 [batch_size, sequence_length] -> text_embeds float32 [batch_size, 512]', async () => {
    const { session, inputs, outputs } = await io(path.join(paths.clipDir, 'onnx', 'text_model.onnx'));

    const out = await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from([1n, 2n, 3n, 4n]), [2, 2]),
    });

    expect(inputs).toEqual([{ name: 'input_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] }]);
    expect(outputs).toEqual([{ name: 'text_embeds', type: 'float32', shape: ['batch_size', 512] }]);
    expect(out.text_embeds?.dims).toEqual([2, 512]);
  });

  it('vision model: pixel_values float32 [batch_size, 3, 224, 224] -> image_embeds float32 [batch_size, 512]', async () => {
    const { session, inputs, outputs } = await io(path.join(paths.clipDir, 'onnx', 'vision_model.onnx'));

    const pixels = new ort.Tensor('float32', new Float32Array(3 * 3 * 224 * 224).fill(0.5), [3, 3, 224, 224]);
    const out = await session.run({ pixel_values: pixels });

    expect(inputs).toEqual([{ name: 'pixel_values', type: 'float32', shape: ['batch_size', 3, 224, 224] }]);
    expect(outputs).toEqual([{ name: 'image_embeds', type: 'float32', shape: ['batch_size', 512] }]);
    expect(out.image_embeds?.dims).toEqual([3, 512]);
  });

  it.each([
    ['clothFile', 4, 768],
    ['saliencyFile', 1, 320],
  ] as const)(
    '%s: input.1 [1,3,height,width] -> first output [1,%i,height,width] at %i and every chosen size',
    async (key, channels, size) => {
      const { session, inputs, outputs } = await io(paths[key]);
      const run = async (side: number) => {
        const pixels = new ort.Tensor('float32', new Float32Array(3 * side * side), [1, 3, side, side]);
        return (await session.run({ 'input.1': pixels }))['1959']?.dims;
      };

      expect(inputs).toEqual([{ name: 'input.1', type: 'float32', shape: [1, 3, 'height', 'width'] }]);
      expect(outputs[0]).toEqual({ name: '1959', type: 'float32', shape: [1, channels, 'height', 'width'] });
      for (const side of [size, 384]) expect(await run(side)).toEqual([1, channels, side, side]);
    },
  );
});

describe('stand-in SigLIP tokenizer', () => {
  it('loads offline with AutoTokenizer as a T5-style unigram tokenizer: pad 0, end 1, 64 tokens', async () => {
    configureOfflineTransformers();
    const tokenizer = await AutoTokenizer.from_pretrained(paths.siglipDir, { local_files_only: true });

    const tokens = tokenizer.tokenize('red striped tshirt');
    const ids = tokenizer.encode('red striped shirt');

    expect(tokens).toEqual(['\u2581red', '\u2581striped', '\u2581t', 's', 'h', 'i', 'r', 't']);
    expect(ids).toHaveLength(4);
    expect(ids[3]).toBe(1);
    expect([tokenizer.pad_token, tokenizer.eos_token, tokenizer.pad_token_id]).toEqual(['<pad>', '</s>', 0]);
    expect(tokenizer.model_max_length).toBe(64);
    expect(tokenizer.decode(ids, { skip_special_tokens: true })).toBe('red striped shirt');
  });
});

describe('stand-in tokenizer', () => {
  it('loads offline with AutoTokenizer and tokenises "red striped shirt" CLIP-style', async () => {
    configureOfflineTransformers();
    const tokenizer = await AutoTokenizer.from_pretrained(paths.clipDir, { local_files_only: true });

    const tokens = tokenizer.tokenize('Red  striped SHIRT');
    const ids = tokenizer.encode('red striped shirt');

    expect(tokenizer.constructor.name).toBe('CLIPTokenizer');
    expect(tokens).toEqual(['red</w>', 'striped</w>', 'shirt</w>']);
    expect(ids).toHaveLength(5);
    expect(ids[0]).toBe(tokenizer.convert_tokens_to_ids('<|startoftext|>'));
    expect(ids[4]).toBe(tokenizer.convert_tokens_to_ids('<|endoftext|>'));
    expect(tokenizer.pad_token).toBe('<|endoftext|>');
    expect(tokenizer.model_max_length).toBe(77);
    expect(tokenizer.decode(ids, { skip_special_tokens: true })).toBe('red striped shirt');
    expect(tokenizer.tokenize('t-shirt, 2')).toEqual(['t</w>', '-</w>', 'shirt</w>', ',</w>', '2</w>']);
    expect(refusedFetches()).toEqual([]);
  });
});
