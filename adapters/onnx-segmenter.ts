import type { InferenceSession } from 'onnxruntime-node';
import { Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { InputError, ThreadfinderError } from '#core/errors.ts';
import type { Mask, RgbImage, Segmenter } from '#core/ports/models.ts';
import type { ResolvedSegmentModel } from '#core/resolved-models.ts';
import { type OnnxSessionFactory, onnxSession, releaseOnnxSession, sessionIo } from './onnx-runtime.ts';
import { resizePil } from './transformers-resample.ts';

/** How to build an OnnxSegmenter. */
export interface OnnxSegmenterOptions {
  model: ResolvedSegmentModel;
  /** Cloth contract: label indices that count as garment (default: the model's, i.e. upper, lower, full). */
  garmentClasses?: readonly number[];
  /** Saliency contract: cut-off on the min-max normalised map, in (0, 1); default 0.5. */
  threshold?: number;
  /** Where sessions come from; defaults to the process-wide cache in onnx-runtime.ts. */
  sessionFactory?: OnnxSessionFactory;
  /** Intra-op threads of the session; default: the available cores. */
  threads?: number;
}

// A map at model resolution: one byte per pixel, 0..255.
interface SmallMap {
  data: Uint8Array;
  width: number;
  height: number;
}

function checkImage(image: RgbImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InputError(
      `segment: image size must be positive integers, got ${width}x${height}`,
      'invalid_image',
    );
  }
  if (data.length !== width * height * 3) {
    const expected = `${width}x${height}x3 = ${width * height * 3}`;
    throw new InputError(
      `segment: RGB image data has ${data.length} bytes, expected ${expected}`,
      'invalid_image',
    );
  }
}

/** rembg BaseSession.normalize: RGB, LANCZOS to the square, divide by the max pixel, (x - mean) / std, NCHW. */
export async function toInput(image: RgbImage, model: ResolvedSegmentModel): Promise<Tensor> {
  const side = model.inputSize;
  // Pillow's LANCZOS arithmetic, not sharp's lanczos3 (which differs from it by up to 3 in normalised units).
  const pixels = resizePil(image, side, side, 'lanczos').data;
  let max = 0;
  for (const v of pixels) if (v > max) max = v;
  const scale = 1 / Math.max(max, 1e-6);
  const plane = side * side;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const mean = model.mean[c] as number;
    const std = model.std[c] as number;
    for (let i = 0; i < plane; i++) out[c * plane + i] = ((pixels[i * 3 + c] as number) * scale - mean) / std;
  }
  return new Tensor('float32', out, [1, 3, side, side]);
}

function mapShape(output: Tensor, minChannels: number): { channels: number; height: number; width: number } {
  const [batch, channels, height, width] = output.dims;
  if (output.dims.length !== 4 || batch !== 1 || channels === undefined || channels < minChannels) {
    throw new ThreadfinderError(
      `segmenter output has shape [${output.dims}], expected [1, >=${minChannels}, H, W]`,
    );
  }
  return { channels, height: height as number, width: width as number };
}

// rembg cloth contract: argmax over channels; garment where the winning label is in `garment`.
function clothMap(output: Tensor, garment: ReadonlySet<number>): SmallMap {
  const { channels, height, width } = mapShape(output, 2);
  const scores = output.data as Float32Array;
  const plane = height * width;
  const data = new Uint8Array(plane);
  for (let i = 0; i < plane; i++) {
    let best = 0;
    for (let c = 1; c < channels; c++)
      if ((scores[c * plane + i] as number) > (scores[best * plane + i] as number)) best = c;
    data[i] = garment.has(best) ? 255 : 0;
  }
  return { data, width, height };
}

// rembg saliency contract: channel 0, min-max normalised to 0..255 (all zero when the map is flat).
function saliencyMap(output: Tensor): SmallMap {
  const { height, width } = mapShape(output, 1);
  const plane = height * width;
  const values = (output.data as Float32Array).subarray(0, plane);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const data = new Uint8Array(plane);
  if (hi > lo)
    for (let i = 0; i < plane; i++) data[i] = Math.round((((values[i] as number) - lo) / (hi - lo)) * 255);
  return { data, width, height };
}

// Resizes the map to the image size (LANCZOS, as rembg) and thresholds it to 0/255.
async function toMask(map: SmallMap, width: number, height: number, cutoff: number): Promise<Mask> {
  const raw = { width: map.width, height: map.height, channels: 1 as const };
  const resized = await sharp(map.data, { raw })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = (resized[i] as number) >= cutoff ? 255 : 0;
  return { data, width, height };
}

/**
 * The id masks are cached under: the model id, plus the chosen classes when they are not the model's default
 * (masks of `upper` alone must not be reused for `upper,lower,full`), plus `@<size>` when the segmenter runs at
 * another size than the model's own (THREADFINDER_SEGMENT_SIZE).
 */
export function segmenterId(model: ResolvedSegmentModel, classes: readonly number[]): string {
  const sorted = [...new Set(classes)].sort((a, b) => a - b);
  const byDefault = [...model.defaultGarmentClasses].sort((a, b) => a - b);
  const size = model.inputSize === model.nativeInputSize ? '' : `@${model.inputSize}`;
  if (model.contract !== 'cloth' || sorted.join() === byDefault.join()) return `${model.id}${size}`;
  return `${model.id}.${sorted.map((c) => model.classes[c]).join('-')}${size}`;
}

/** Segmenter running a rembg-style U2NET ONNX model (cloth or saliency contract) on onnxruntime-node. */
export class OnnxSegmenter implements Segmenter {
  readonly modelId: string;

  private constructor(
    private readonly session: InferenceSession,
    private readonly model: ResolvedSegmentModel,
    private readonly garment: ReadonlySet<number>,
    private readonly cutoff: number,
    private readonly release: () => Promise<void>,
  ) {
    this.modelId = segmenterId(model, [...garment]);
  }

  /** Frees the session (the shared one too: the next segmenter for this file loads it again). */
  dispose(): Promise<void> {
    return this.release();
  }

  /** Loads (or reuses) the model's session and validates the options. */
  static async create(options: OnnxSegmenterOptions): Promise<OnnxSegmenter> {
    const { model } = options;
    const classes = options.garmentClasses ?? model.garmentClasses;
    const bad = classes.filter((c) => !Number.isInteger(c) || c < 0 || c >= model.classes.length);
    if (model.contract === 'cloth' && bad.length > 0) {
      const valid = model.classes.map((name, i) => `${i}=${name}`).join(', ');
      throw new InputError(
        `${model.id}: garment classes [${bad}] do not exist; valid: ${valid}`,
        'invalid_option',
      );
    }
    const threshold = options.threshold ?? 0.5;
    if (!(threshold > 0 && threshold < 1)) {
      throw new InputError(`${model.id}: threshold must be in (0, 1), got ${threshold}`, 'invalid_option');
    }
    const session = await (options.sessionFactory ?? onnxSession)(model.file, options.threads);
    if (session.inputNames.length === 0 || session.outputNames.length === 0) {
      throw new ThreadfinderError(`${model.file}: ONNX model has no inputs or no outputs`);
    }
    const cutoff = model.contract === 'cloth' ? 128 : Math.round(threshold * 255);
    const release = options.sessionFactory
      ? () => session.release()
      : () => releaseOnnxSession(model.file, options.threads);
    return new OnnxSegmenter(session, model, new Set(classes), cutoff, release);
  }

  /** The session's declared inputs and outputs, for `models verify`. */
  io(): ReturnType<typeof sessionIo> {
    return sessionIo(this.session);
  }

  async segment(image: RgbImage): Promise<Mask> {
    checkImage(image);
    const input = await toInput(image, this.model);
    const inputName = this.session.inputNames[0] as string;
    const outputName = this.session.outputNames[0] as string;
    const outputs = await this.session.run({ [inputName]: input });
    const output = outputs[outputName];
    if (!output) throw new ThreadfinderError(`${this.model.id}: output ${outputName} missing from the run`);
    const map = this.model.contract === 'cloth' ? clothMap(output, this.garment) : saliencyMap(output);
    return toMask(map, image.width, image.height, this.cutoff);
  }
}
