import { AutoTokenizer } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { configureOfflineTransformers } from '#adapters/transformers-env.ts';
import { type ImageFit, limitAspect, loadPreparePixels, padToSquare } from '#adapters/transformers-pixels.ts';
import { canonicalizeText, loadTokenize } from '#adapters/transformers-text.ts';
import type { RgbImage } from '#core/ports/models.ts';
import { type ResolvedModels, resolveModels } from '#models/resolve.ts';
import { tempDir } from './drawn-images.ts';

// The authors' values, written out here rather than read from the registry: FashionCLIP's
// onnx/preprocessor_config.json and Marqo-FashionSigLIP's preprocessor_config.json.
const CLIP = { mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] };
const SIGLIP = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
type Rgb = [number, number, number];
const YELLOW: Rgb = [250, 230, 10];
const RED: Rgb = [200, 40, 10];
const BLUE: Rgb = [20, 90, 230];
const GREEN: Rgb = [0, 177, 64];

// 120x240 portrait: a yellow band (rows 0-19), red (20-119), blue (120-239).
function tallPhoto(): RgbImage {
  const width = 120;
  const height = 240;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const colour = y < 20 ? YELLOW : y < 120 ? RED : BLUE;
    for (let x = 0; x < width; x++) data.set(colour, (y * width + x) * 3);
  }
  return { data, width, height };
}

let models: { clip: ResolvedModels; siglip: ResolvedModels };

beforeAll(async () => {
  const modelsDir = await tempDir('preprocessing');
  configureOfflineTransformers();
  models = {
    clip: await resolveModels({ models: 'test', modelsDir }, { embed: 'test-clip' }),
    siglip: await resolveModels({ models: 'test', modelsDir }, { embed: 'test-siglip' }),
  };
});

describe('image preprocessing through each model processor', () => {
  // [family, fit, pixel (row, col) -> expected colour]: CLIP crops the yellow band away, SigLIP squashes, pad keeps it.
  const cases: [keyof typeof models, ImageFit, [number, number, Rgb][]][] = [
    [
      'clip',
      'model',
      [
        [5, 112, RED],
        [40, 5, RED],
        [200, 112, BLUE],
      ],
    ],
    [
      'clip',
      'pad',
      [
        [5, 112, YELLOW],
        [40, 5, GREEN],
        [100, 112, RED],
        [200, 112, BLUE],
      ],
    ],
    [
      'siglip',
      'model',
      [
        [5, 112, YELLOW],
        [40, 5, RED],
        [200, 112, BLUE],
      ],
    ],
    [
      'siglip',
      'pad',
      [
        [5, 112, YELLOW],
        [40, 5, GREEN],
        [200, 218, GREEN],
        [200, 112, BLUE],
      ],
    ],
  ];

  it.each(cases)(
    '%s, fit=%s: NCHW RGB float32 [1,3,224,224], (v/255 - mean)/std per channel',
    async (family, fit, pixels) => {
      // Prepare
      const prepare = await loadPreparePixels(models[family].embed, { fit, padColour: GREEN });
      const { mean, std } = family === 'clip' ? CLIP : SIGLIP;

      // Act
      const { data, dims } = await prepare([tallPhoto()]);

      // Assess
      expect(dims).toEqual([1, 3, 224, 224]);
      expect(data).toBeInstanceOf(Float32Array);
      for (let c = 0; c < 3; c++) {
        const plane = data.subarray(c * 224 * 224, (c + 1) * 224 * 224);
        const lo = (0 - (mean[c] as number)) / (std[c] as number);
        const hi = (1 - (mean[c] as number)) / (std[c] as number);
        expect(Math.min(...plane)).toBeGreaterThanOrEqual(lo - 1e-4);
        expect(Math.max(...plane)).toBeLessThanOrEqual(hi + 1e-4);
        for (const [row, col, rgb] of pixels) {
          const expected = ((rgb[c] as number) / 255 - (mean[c] as number)) / (std[c] as number);
          expect(plane[row * 224 + col], `${family}/${fit} channel ${c} at (${row}, ${col})`).toBeCloseTo(
            expected,
            1,
          );
        }
      }
    },
  );

  it('prepares a batch in order', async () => {
    const prepare = await loadPreparePixels(models.siglip.embed, { fit: 'model', padColour: GREEN });
    const flat = (rgb: Rgb): RgbImage => ({
      data: new Uint8Array(64 * 48 * 3).map((_, i) => rgb[i % 3] as number),
      width: 64,
      height: 48,
    });

    const { data, dims } = await prepare([flat(RED), flat(BLUE)]);

    expect(dims).toEqual([2, 3, 224, 224]);
    expect(data[0]).toBeCloseTo((200 / 255 - 0.5) / 0.5, 2);
    expect(data[3 * 224 * 224]).toBeCloseTo((20 / 255 - 0.5) / 0.5, 2);
  });

  it('padToSquare centres the photo on the colour and leaves a square photo alone', () => {
    const padded = padToSquare({ data: new Uint8Array(2 * 4 * 3).fill(9), width: 2, height: 4 }, GREEN);
    const square = { data: new Uint8Array(12), width: 2, height: 2 };

    expect([padded.width, padded.height]).toEqual([4, 4]);
    expect([...padded.data.subarray(0, 3)]).toEqual(GREEN);
    expect([...padded.data.subarray(3, 6)]).toEqual([9, 9, 9]);
    expect([...padded.data.subarray(9, 12)]).toEqual(GREEN);
    expect(padToSquare(square, GREEN)).toBe(square);
  });

  it('limitAspect pads only extreme strips, so the authors resize cannot blow a 1x1000 strip up', async () => {
    // Prepare
    const strip = { data: new Uint8Array(1 * 1000 * 3).fill(9), width: 1, height: 1000 };
    const photo = { data: new Uint8Array(300 * 400 * 3), width: 300, height: 400 };

    // Act
    const limited = limitAspect(strip, 4, GREEN);
    const prepare = await loadPreparePixels(models.clip.embed, { fit: 'model', padColour: GREEN });
    const { dims } = await prepare([strip]);

    // Assess
    expect([limited.width, limited.height]).toEqual([250, 1000]);
    expect([...limited.data.subarray(0, 3)]).toEqual(GREEN);
    expect(limitAspect(photo, 4, GREEN)).toBe(photo);
    expect(dims).toEqual([1, 3, 224, 224]);
  });
});

describe('tokenisation through each model tokenizer', () => {
  it('SigLIP: canonicalises like Marqo, ends with </s>, pads with <pad> to exactly 64 tokens', async () => {
    const tokenize = await loadTokenize(models.siglip.embed);
    const tokenizer = await AutoTokenizer.from_pretrained(models.siglip.embed.dir, {
      local_files_only: true,
    });
    const id = (piece: string) => tokenizer.convert_tokens_to_ids(piece);

    const { input_ids } = tokenize(['Red, STRIPED shirt!', 'dress']);

    expect(input_ids.dims).toEqual([2, 64]);
    const first = [...input_ids.data.subarray(0, 64)].map(Number);
    expect(first.slice(0, 4)).toEqual([id('\u2581red'), id('\u2581striped'), id('\u2581shirt'), 1]);
    expect(first.slice(4)).toEqual(new Array(60).fill(0));
    expect(Number(input_ids.data[64])).toBe(id('\u2581dress'));
  });

  it('SigLIP: truncates a long text to 64 tokens', async () => {
    const tokenize = await loadTokenize(models.siglip.embed);

    const { input_ids } = tokenize([Array.from({ length: 100 }, () => 'shirt').join(' ')]);

    expect(input_ids.dims).toEqual([1, 64]);
  });

  it('CLIP: start and end tokens, pads to the longest text, keeps the end token when truncating at 77', async () => {
    const tokenize = await loadTokenize(models.clip.embed);
    const tokenizer = await AutoTokenizer.from_pretrained(models.clip.embed.dir, { local_files_only: true });
    const [bos, eos] = ['<|startoftext|>', '<|endoftext|>'].map((t) => tokenizer.convert_tokens_to_ids(t));

    const short = tokenize(['Red shirt', 'a long navy wool coat']);
    const long = tokenize([Array.from({ length: 100 }, () => 'shirt').join(' ')]);

    expect(short.input_ids.dims).toEqual([2, 7]);
    const row = [...short.input_ids.data.subarray(0, 7)].map(Number);
    expect(row).toEqual([
      bos,
      tokenizer.convert_tokens_to_ids('red</w>'),
      tokenizer.convert_tokens_to_ids('shirt</w>'),
      eos,
      eos,
      eos,
      eos,
    ]);
    expect(long.input_ids.dims).toEqual([1, 77]);
    expect(Number(long.input_ids.data[76])).toBe(eos);
  });

  it("canonicalizeText follows Marqo's _clean_canonicalize", () => {
    expect(canonicalizeText('  Red &amp;amp; BLUE_striped T-shirt!!  ')).toBe('red blue striped tshirt');
    expect(canonicalizeText('Men\u2019s  "slim-fit"\tjeans (32/34)')).toBe('men\u2019s slimfit jeans 3234');
    expect(canonicalizeText('caf&#233; &lt;b&gt;')).toBe('caf\u00e9 b');
  });
});
