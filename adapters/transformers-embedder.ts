import {
  AutoProcessor,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  RawImage,
  SiglipTextModel,
  SiglipVisionModel,
} from '@huggingface/transformers';
import { InputError, ThreadfinderError } from '../core/errors.ts';
import type { ImageEmbedder, RgbImage, TextEmbedder } from '../core/ports/models.ts';
import { normalize } from '../core/vectors.ts';
import type { ResolvedEmbedModel } from '../models/resolve.ts';
import { batches, checkedDim, loadOrExplain, pretrainedOptions, requireFiles } from './transformers-env.ts';

/** How to build a transformers.js embedder. */
export interface TransformersEmbedderOptions {
  model: ResolvedEmbedModel;
  /** Inputs per model run; default 8. */
  batchSize?: number;
}

interface OutputTensor {
  data: Float32Array;
  dims: number[];
}

type Outputs = Record<string, OutputTensor | undefined>;

// Callable transformers.js model: inputs in, named output tensors out.
type RunModel = (inputs: Record<string, unknown>) => Promise<Outputs>;

// Unit-length rows of the first present output among `names` (split exports: *_embeds; SigLIP also pooler_output).
function unitRows(model: ResolvedEmbedModel, outputs: Outputs, names: string[], count: number, dim: number) {
  const name = names.find((n) => outputs[n] !== undefined);
  const tensor = name ? outputs[name] : undefined;
  if (!tensor) {
    throw new ThreadfinderError(
      `${model.id}: model gave none of ${names.join(', ')}; got ${Object.keys(outputs)}`,
    );
  }
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

  private constructor(
    private readonly model: ResolvedEmbedModel,
    private readonly processor: (images: RawImage[]) => Promise<Record<string, unknown>>,
    private readonly run: RunModel,
    readonly dim: number,
    private readonly batchSize: number,
  ) {
    this.modelId = model.id;
  }

  /** Loads the image processor (from preprocessor_config.json) and the vision model. */
  static async create(options: TransformersEmbedderOptions): Promise<TransformersImageEmbedder> {
    const { model } = options;
    await requireFiles(model, ['config.json', 'preprocessor_config.json', 'onnx/vision_model.onnx']);
    const Vision = model.family === 'clip' ? CLIPVisionModelWithProjection : SiglipVisionModel;
    const [processor, vision] = await loadOrExplain(model, 'vision model', () =>
      Promise.all([
        AutoProcessor.from_pretrained(model.dir, pretrainedOptions()),
        Vision.from_pretrained(model.dir, pretrainedOptions()),
      ]),
    );
    const dim = checkedDim(model, vision.config, 'vision');
    const process = (images: RawImage[]) => processor(images) as Promise<Record<string, unknown>>;
    const run = (inputs: Record<string, unknown>) => vision(inputs) as Promise<Outputs>;
    return new TransformersImageEmbedder(model, process, run, dim, options.batchSize ?? 8);
  }

  async embedImages(images: RgbImage[]): Promise<Float32Array[]> {
    images.forEach(checkImage);
    const out: Float32Array[] = [];
    for (const batch of batches(images, this.batchSize)) {
      const raw = batch.map((im) => new RawImage(im.data, im.width, im.height, 3));
      const { pixel_values } = await this.processor(raw);
      const outputs = await this.run({ pixel_values });
      out.push(...unitRows(this.model, outputs, ['image_embeds', 'pooler_output'], batch.length, this.dim));
    }
    return out;
  }
}

interface Encoded {
  input_ids: { data: BigInt64Array; dims: number[] };
  [key: string]: unknown;
}

/** TextEmbedder on a local transformers.js model folder (CLIP or SigLIP text tower), fully offline. */
export class TransformersTextEmbedder implements TextEmbedder {
  readonly modelId: string;

  private constructor(
    private readonly model: ResolvedEmbedModel,
    private readonly tokenize: (texts: string[]) => Encoded,
    private readonly run: RunModel,
    readonly dim: number,
    private readonly batchSize: number,
  ) {
    this.modelId = model.id;
  }

  /** Loads the tokenizer (tokenizer.json + tokenizer_config.json) and the text model. */
  static async create(options: TransformersEmbedderOptions): Promise<TransformersTextEmbedder> {
    const { model } = options;
    await requireFiles(model, [
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/text_model.onnx',
    ]);
    const Text = model.family === 'clip' ? CLIPTextModelWithProjection : SiglipTextModel;
    const [tokenizer, text] = await loadOrExplain(model, 'text model', () =>
      Promise.all([
        AutoTokenizer.from_pretrained(model.dir, pretrainedOptions()),
        Text.from_pretrained(model.dir, pretrainedOptions()),
      ]),
    );
    const dim = checkedDim(model, text.config, 'text');
    const padding = model.textPadding === 'max_length' ? ('max_length' as const) : true;
    const endId = tokenizer.eos_token_id as number | undefined;
    const tokenize = (texts: string[]) => {
      const encoded = tokenizer(texts, {
        padding,
        truncation: true,
        max_length: model.textMaxLength,
      }) as unknown as Encoded;
      // CLIP pools at the end token; like open_clip, a truncated text keeps its end token in the last slot.
      if (model.family === 'clip' && endId !== undefined) keepEndToken(encoded.input_ids, BigInt(endId));
      return encoded;
    };
    const run = (inputs: Record<string, unknown>) => text(inputs) as Promise<Outputs>;
    return new TransformersTextEmbedder(model, tokenize, run, dim, options.batchSize ?? 8);
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    texts.forEach((t, i) => {
      if (typeof t !== 'string')
        throw new InputError(`embedTexts: text ${i} is ${typeof t}, expected a string`);
    });
    const out: Float32Array[] = [];
    for (const batch of batches(texts, this.batchSize)) {
      const outputs = await this.run(this.tokenize(batch));
      out.push(...unitRows(this.model, outputs, ['text_embeds', 'pooler_output'], batch.length, this.dim));
    }
    return out;
  }
}

// Sets the last token of every row that lost its end token to truncation back to the end token.
function keepEndToken(ids: { data: BigInt64Array; dims: number[] }, endId: bigint): void {
  const [rows, length] = ids.dims as [number, number];
  for (let r = 0; r < rows; r++) {
    const row = ids.data.subarray(r * length, (r + 1) * length);
    if (!row.includes(endId)) row[length - 1] = endId;
  }
}
