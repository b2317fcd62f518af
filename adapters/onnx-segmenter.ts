import type { InferenceSession } from 'onnxruntime-node';
import { Tensor } from 'onnxruntime-node';
import { MODEL_ENV } from '#core/config.ts';
import { ConfigError, InputError, ThreadfinderError } from '#core/errors.ts';
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

/**
 * rembg BaseSession.normalize: RGB, LANCZOS to the square, divide by the max pixel, (x - mean) / std, NCHW.
 * An image already at the square (the stages decode straight to it) is not resampled; `into` is reused.
 */
export function toInput(image: RgbImage, model: ResolvedSegmentModel, into?: Float32Array): Tensor {
  const side = model.inputSize;
  const square = image.width === side && image.height === side;
  // Pillow's LANCZOS arithmetic, not sharp's lanczos3, for an image that still needs resizing.
  const pixels = square ? image.data : resizePil(image, side, side, 'lanczos').data;
  const scale = 1 / Math.max(maxByte(pixels), 1e-6);
  const plane = side * side;
  const out = into?.length === 3 * plane ? into : new Float32Array(3 * plane);
  const [g0, g1, g2] = model.std.map((std) => scale / std) as [number, number, number];
  const [o0, o1, o2] = model.mean.map((mean, c) => -mean / (model.std[c] as number)) as [
    number,
    number,
    number,
  ];
  toPlanes(pixels, out, plane, g0, g1, g2, o0, o1, o2);
  return new Tensor('float32', out, [1, 3, side, side]);
}

// The per-pixel loops live in small kernels of their own, each seeing one set of types. A loop inside a larger
// function gets optimized on-stack while it runs, before the code after it has run even once; that code then
// lacks type feedback and throws the function back to the interpreter at every image (measured: 55 deopts of
// toInput and clothMask in 90 images, the loops then boxing every float, ~15 ms of CPU and GC per image).

/** The largest byte, stopping at 255. */
function maxByte(pixels: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < pixels.length && max < 255; i++)
    if ((pixels[i] as number) > max) max = pixels[i] as number;
  return max;
}

/** HWC bytes to three planes of x * g + o. */
function toPlanes(
  pixels: Uint8Array,
  out: Float32Array,
  plane: number,
  g0: number,
  g1: number,
  g2: number,
  o0: number,
  o1: number,
  o2: number,
): void {
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    out[i] = (pixels[j] as number) * g0 + o0;
    out[plane + i] = (pixels[j + 1] as number) * g1 + o1;
    out[2 * plane + i] = (pixels[j + 2] as number) * g2 + o2;
  }
}

/** Four-class argmax (the first maximum wins, as numpy's), each label mapped through `garment`. */
function argmax4(scores: Float32Array, plane: number, garment: Uint8Array, label: Uint8Array): void {
  for (let i = 0, p1 = plane, p2 = 2 * plane, p3 = 3 * plane; i < plane; i++) {
    let top = scores[i] as number;
    let c = 0;
    const s1 = scores[p1 + i] as number;
    const s2 = scores[p2 + i] as number;
    const s3 = scores[p3 + i] as number;
    if (s1 > top) {
      top = s1;
      c = 1;
    }
    if (s2 > top) {
      top = s2;
      c = 2;
    }
    if (s3 > top) c = 3;
    label[i] = garment[c] as number;
  }
}

/** Argmax over any number of class planes, one pass per plane, then each label mapped through `garment`. */
function argmaxPlanes(
  scores: Float32Array,
  channels: number,
  plane: number,
  garment: Uint8Array,
  label: Uint8Array,
): void {
  const top = scores.slice(0, plane);
  for (let c = 1; c < channels; c++) {
    for (let i = 0, o = c * plane; i < plane; i++, o++) {
      const v = scores[o] as number;
      if (v > (top[i] as number)) {
        top[i] = v;
        label[i] = c;
      }
    }
  }
  for (let i = 0; i < plane; i++) label[i] = garment[label[i] as number] as number;
}

function mapShape(
  output: Tensor,
  minChannels: number,
): { channels: number; width: number; height: number; plane: number } {
  const [batch, channels, height, width] = output.dims;
  if (output.dims.length !== 4 || batch !== 1 || channels === undefined || channels < minChannels) {
    throw new ThreadfinderError(
      `segmenter output has shape [${output.dims}], expected [1, >=${minChannels}, H, W]`,
    );
  }
  const [w, h] = [width as number, height as number];
  return { channels, width: w, height: h, plane: w * h };
}

// rembg cloth contract: argmax over channels (the first maximum wins, as numpy's); garment where the winning
// label is in `garment`. The 4-class model (background, upper, lower, full) in one pass over the pixels; other
// class counts (no registered model has one) one pass per channel plane, in place on the label array.
function clothMask(output: Tensor, garment: Uint8Array): Mask {
  const { channels, width, height, plane } = mapShape(output, 2);
  const scores = output.data as Float32Array;
  const label = new Uint8Array(plane);
  if (channels === 4) argmax4(scores, plane, garment, label);
  else argmaxPlanes(scores, channels, plane, garment, label);
  return { data: label, width, height };
}

// rembg saliency contract: channel 0, min-max normalised to 0..255 (all zero when the map is flat), cut at
// `cutoff`.
function saliencyMask(output: Tensor, cutoff: number): Mask {
  const { width, height, plane } = mapShape(output, 1);
  const values = (output.data as Float32Array).subarray(0, plane);
  const [lo, hi] = range(values);
  const data = new Uint8Array(plane);
  if (hi > lo) cutAt(values, lo, 255 / (hi - lo), cutoff, data);
  return { data, width, height };
}

/** The smallest and largest value. */
function range(values: Float32Array): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** 255 where round((v - lo) * k) reaches `cutoff`, else 0. */
function cutAt(values: Float32Array, lo: number, k: number, cutoff: number, out: Uint8Array): void {
  for (let i = 0; i < values.length; i++)
    out[i] = Math.round(((values[i] as number) - lo) * k) >= cutoff ? 255 : 0;
}

/** Refuses a graph whose fixed input size is not the size chosen (THREADFINDER_SEGMENT_SIZE). */
function checkInputSize(session: InferenceSession, model: ResolvedSegmentModel): void {
  const declared = session.inputMetadata?.[0];
  if (!declared?.isTensor) return;
  const [, , height, width] = declared.shape;
  const fixed = [height, width].filter((d): d is number => typeof d === 'number');
  if (fixed.every((d) => d === model.inputSize)) return;
  throw new ConfigError(
    `${model.id}: the graph ${model.file} takes ${declared.shape.slice(2).join('x')} inputs only ` +
      `(${declared.name} [${declared.shape}]), not ${model.inputSize}x${model.inputSize}; ` +
      `${MODEL_ENV.segmentSize}=${model.inputSize} needs a graph with free height and width ` +
      `(unset it to run at ${fixed[0]})`,
  );
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

/**
 * Segmenter running a rembg-style U2NET ONNX model (cloth or saliency contract) on onnxruntime-node. Runs are
 * serialised (a session already uses every intra-op thread), which lets the input and output tensors be
 * allocated once instead of once per image.
 */
export class OnnxSegmenter implements Segmenter {
  readonly modelId: string;
  readonly inputSize: number;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly input: Float32Array;
  private output: Tensor | undefined;

  private constructor(
    private readonly session: InferenceSession,
    private readonly model: ResolvedSegmentModel,
    private readonly garment: Uint8Array,
    private readonly cutoff: number,
    private readonly release: () => Promise<void>,
    classes: readonly number[],
  ) {
    this.modelId = segmenterId(model, classes);
    this.inputSize = model.inputSize;
    this.input = new Float32Array(3 * model.inputSize * model.inputSize);
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
    checkInputSize(session, model);
    const cutoff = model.contract === 'cloth' ? 128 : Math.round(threshold * 255);
    const release = options.sessionFactory
      ? () => session.release()
      : () => releaseOnnxSession(model.file, options.threads);
    // Label -> mask value: 255 for the chosen garment classes.
    const garment = new Uint8Array(256);
    for (const c of classes) garment[c] = 255;
    return new OnnxSegmenter(session, model, garment, cutoff, release, classes);
  }

  /** The session's declared inputs and outputs, for `models verify`. */
  io(): ReturnType<typeof sessionIo> {
    return sessionIo(this.session);
  }

  async segment(image: RgbImage): Promise<Mask> {
    checkImage(image);
    const run = this.queue.then(() => this.run(image));
    this.queue = run.catch(() => {});
    return run;
  }

  private async run(image: RgbImage): Promise<Mask> {
    const input = toInput(image, this.model, this.input);
    const inputName = this.session.inputNames[0] as string;
    const outputName = this.session.outputNames[0] as string;
    // Only the first output (rembg reads ort_outs[0]; U2NET has seven), into last run's tensor once its
    // shape is known.
    const fetches = this.output ? { [outputName]: this.output } : [outputName];
    const outputs = await this.session.run({ [inputName]: input }, fetches);
    const output = outputs[outputName];
    if (!output) throw new ThreadfinderError(`${this.model.id}: output ${outputName} missing from the run`);
    if (output.type === 'float32' && output.location === 'cpu') this.output ??= output;
    return this.model.contract === 'cloth'
      ? clothMask(output, this.garment)
      : saliencyMask(output, this.cutoff);
  }
}
