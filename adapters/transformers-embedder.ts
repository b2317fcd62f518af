import { chunk } from '#core/chunk.ts';
import { InputError, ThreadfinderError } from '#core/errors.ts';
import type { ImageEmbedder, RgbImage, TextEmbedder } from '#core/ports/models.ts';
import type { ResolvedEmbedModel } from '#core/resolved-models.ts';
import { normalize } from '#core/vectors.ts';
import { loadPreparePixels, type PixelOptions, type PreparePixels } from './transformers-pixels.ts';
import { loadTokenize, type Tokenize } from './transformers-text.ts';
import {
  type LoadedModel,
  loadTower,
  releaseTower,
  type TowerIo,
  type TowerOptions,
  towerIo,
} from './transformers-tower.ts';

/** How to build a transformers.js embedder. */
export type TransformersEmbedderOptions = TowerOptions;

/** Options of the image embedder: how non-square photos are fitted (default: pad with flat green). */
export interface TransformersImageEmbedderOptions extends TransformersEmbedderOptions {
  pixels?: Partial<PixelOptions>;
}

interface OutputTensor {
  data: Float32Array;
  dims: number[];
}

type Outputs = Record<string, OutputTensor | undefined>;

const DEFAULT_PIXELS: PixelOptions = { fit: 'pad', padColour: [0x00, 0xb1, 0x40] };

// Unit-length rows of the first present output among `names` (split exports: *_embeds; SigLIP also pooler_output).
function unitRows(model: ResolvedEmbedModel, outputs: Outputs, names: string[], count: number) {
  const name = names.find((n) => outputs[n] !== undefined);
  const tensor = name ? outputs[name] : undefined;
  if (!tensor) {
    throw new ThreadfinderError(
      `${model.id}: model gave none of ${names.join(', ')}; got ${Object.keys(outputs)}`,
    );
  }
  const dim = model.dim;
  if (tensor.dims.length !== 2 || tensor.dims[0] !== count || tensor.dims[1] !== dim) {
    throw new ThreadfinderError(
      `${model.id}: ${name} has shape [${tensor.dims}], expected [${count}, ${dim}]`,
    );
  }
  const out: Float32Array[] = [];
  for (let r = 0; r < count; r++) out.push(normalize(tensor.data.subarray(r * dim, (r + 1) * dim)));
  return out;
}

function checkImage(image: RgbImage, index: number): void {
  const { width, height, data } = image;
  const ok = Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0;
  if (!ok || data.length !== width * height * 3) {
    throw new InputError(
      `embedImages: image ${index} has ${data.length} bytes for ${width}x${height}; expected width x height x 3 RGB bytes`,
      'invalid_image',
    );
  }
}

/** ImageEmbedder on a local transformers.js model folder (CLIP or SigLIP vision tower), fully offline. */
export class TransformersImageEmbedder implements ImageEmbedder {
  readonly modelId: string;
  readonly dim: number;

  private constructor(
    private readonly model: ResolvedEmbedModel,
    private readonly prepare: PreparePixels,
    private readonly vision: LoadedModel,
    private readonly batchSize: number,
  ) {
    this.modelId = model.id;
    this.dim = model.dim;
  }

  /** Frees the vision model's ONNX session(s). */
  dispose(): Promise<void> {
    return releaseTower(this.vision);
  }

  /** Loads the image processor (from preprocessor_config.json) and the vision model, once. */
  static async create(options: TransformersImageEmbedderOptions): Promise<TransformersImageEmbedder> {
    const pixels = { ...DEFAULT_PIXELS, ...options.pixels };
    const { prepare, loaded, batchSize } = await loadTower(
      options,
      'vision',
      ['preprocessor_config.json'],
      () => loadPreparePixels(options.model, pixels),
    );
    return new TransformersImageEmbedder(options.model, prepare, loaded, batchSize);
  }

  /** The vision graph's declared inputs and outputs. */
  io(): TowerIo {
    return towerIo(this.vision);
  }

  /** The size to decode a photo at so that this embedder resizes nothing (transformers-pixels.ts). */
  decodeSize(width: number, height: number): { width: number; height: number } | undefined {
    return this.prepare.decodeSize(width, height);
  }

  async embedImages(images: RgbImage[]): Promise<Float32Array[]> {
    images.forEach(checkImage);
    const out: Float32Array[] = [];
    for (const batch of chunk(images, this.batchSize)) {
      const pixel_values = await this.prepare(batch);
      const outputs = (await this.vision({ pixel_values })) as Outputs;
      out.push(...unitRows(this.model, outputs, ['image_embeds', 'pooler_output'], batch.length));
    }
    return out;
  }
}

/** TextEmbedder on a local transformers.js model folder (CLIP or SigLIP text tower), fully offline. */
export class TransformersTextEmbedder implements TextEmbedder {
  readonly modelId: string;
  readonly dim: number;

  private constructor(
    private readonly model: ResolvedEmbedModel,
    private readonly tokenize: Tokenize,
    private readonly text: LoadedModel,
    private readonly batchSize: number,
  ) {
    this.modelId = model.id;
    this.dim = model.dim;
  }

  /** Frees the text model's ONNX session(s). */
  dispose(): Promise<void> {
    return releaseTower(this.text);
  }

  /** Loads the tokenizer (tokenizer.json + tokenizer_config.json) and the text model only, once. */
  static async create(options: TransformersEmbedderOptions): Promise<TransformersTextEmbedder> {
    const files = ['tokenizer.json', 'tokenizer_config.json'];
    const { prepare, loaded, batchSize } = await loadTower(options, 'text', files, () =>
      loadTokenize(options.model),
    );
    return new TransformersTextEmbedder(options.model, prepare, loaded, batchSize);
  }

  /** The text graph's declared inputs and outputs. */
  io(): TowerIo {
    return towerIo(this.text);
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    texts.forEach((t, i) => {
      if (typeof t !== 'string')
        throw new InputError(`embedTexts: text ${i} is ${typeof t}, expected a string`);
    });
    const out: Float32Array[] = [];
    for (const batch of chunk(texts, this.batchSize)) {
      const outputs = (await this.text(this.tokenize(batch))) as Outputs;
      out.push(...unitRows(this.model, outputs, ['text_embeds', 'pooler_output'], batch.length));
    }
    return out;
  }
}
