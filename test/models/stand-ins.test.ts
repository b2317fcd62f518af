import fs from 'node:fs/promises';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { configureOfflineTransformers, refusedFetches } from '../../adapters/transformers-env.ts';
import { type StandInPaths, writeStandInModels } from '../../models/testing/stand-ins.ts';
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
  it('writes the transformers.js CLIP layout and the two rembg-style files', async () => {
    const clip = path.relative(paths.root, paths.clipDir);

    const files = (await fs.readdir(paths.root, { recursive: true })).sort();

    expect(files).toEqual(
      [
        clip,
        `${clip}/config.json`,
        `${clip}/onnx`,
        `${clip}/onnx/text_model.onnx`,
        `${clip}/onnx/vision_model.onnx`,
        `${clip}/preprocessor_config.json`,
        `${clip}/special_tokens_map.json`,
        `${clip}/tokenizer.json`,
        `${clip}/tokenizer_config.json`,
        'u2net_cloth_seg-test.onnx',
        'u2netp-test.onnx',
      ].sort(),
    );
    expect(paths.written).toHaveLength(9);
  });

  it('is deterministic and skips files whose content hash already matches, rewriting a changed one', async () => {
    const other = await writeStandInModels(await tempDir('stand-ins-again'));
    const tampered = path.join(paths.clipDir, 'onnx', 'vision_model.onnx');
    await fs.writeFile(tampered, 'not a model');

    const started = performance.now();
    const again = await writeStandInModels(paths.root);

    expect(performance.now() - started).toBeLessThan(2000);
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
    ['clothFile', 768, 4],
    ['saliencyFile', 320, 1],
  ] as const)(
    '%s: input.1 [1,3,%i,%i] -> first output [1,%i,size,size] with non-obvious names',
    async (key, size, channels) => {
      const { inputs, outputs } = await io(paths[key]);

      expect(inputs).toEqual([{ name: 'input.1', type: 'float32', shape: [1, 3, size, size] }]);
      expect(outputs[0]).toEqual({ name: '1959', type: 'float32', shape: [1, channels, size, size] });
    },
  );
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
