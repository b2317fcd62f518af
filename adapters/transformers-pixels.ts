import { AutoImageProcessor, RawImage, Tensor } from '@huggingface/transformers';
import type { RgbImage } from '#core/ports/models.ts';
import type { ResolvedEmbedModel } from '#core/resolved-models.ts';
import { pretrainedOptions } from './transformers-env.ts';
import { resizePil } from './transformers-resample.ts';

/**
 * How a non-square photo becomes the model's square input.
 * - `pad`: centre it on a square of `padColour` first (the whole garment stays in view, nothing is stretched),
 *   then run the model's own processor, which then only scales.
 * - `model`: hand the photo to the model's processor unchanged (the authors' behaviour: CLIP resizes the
 *   shortest edge and centre-crops, SigLIP squashes to 224x224).
 */
export type ImageFit = 'pad' | 'model';

/** How images are prepared for the vision tower. */
export interface PixelOptions {
  fit: ImageFit;
  /** Colour of the padding; the segment stage's background colour, so padding looks like background. */
  padColour: readonly [number, number, number];
}

/** pixel_values as the vision graph takes them: float32 NCHW. */
export interface PixelValues {
  data: Float32Array;
  dims: number[];
}

/** Centres `image` on a square canvas of `colour`; a square image is returned as is. */
export function padToSquare(image: RgbImage, colour: readonly [number, number, number]): RgbImage {
  const side = Math.max(image.width, image.height);
  return padTo(image, side, side, colour);
}

/**
 * Pads the short side of an extreme strip (wider or taller than `maxRatio`:1) so that a processor that scales the
 * shortest edge up to its input size cannot blow a 1x1000 strip up to tens of megapixels. Ordinary photos pass.
 */
export function limitAspect(
  image: RgbImage,
  maxRatio: number,
  colour: readonly [number, number, number],
): RgbImage {
  const { width, height } = image;
  if (width > height * maxRatio) return padTo(image, width, Math.ceil(width / maxRatio), colour);
  if (height > width * maxRatio) return padTo(image, Math.ceil(height / maxRatio), height, colour);
  return image;
}

function padTo(
  image: RgbImage,
  side: number,
  tall: number,
  colour: readonly [number, number, number],
): RgbImage {
  const { width, height } = image;
  if (width === side && height === tall) return image;
  const data = new Uint8Array(side * tall * 3);
  // One pixel of the colour, then doubled by copies: a few memcpy calls instead of a loop per pixel.
  data.set(colour);
  for (let filled = 3; filled < data.length; filled *= 2)
    data.copyWithin(filled, 0, Math.min(filled, data.length - filled));
  const left = Math.floor((side - width) / 2);
  const top = Math.floor((tall - height) / 2);
  for (let y = 0; y < height; y++) {
    const row = image.data.subarray(y * width * 3, (y + 1) * width * 3);
    data.set(row, ((top + y) * side + left) * 3);
  }
  return { data, width: side, height: tall };
}

/** Strips beyond this ratio are padded before the model's own resize (see limitAspect). */
const MAX_ASPECT = 4;

/**
 * Prepares a batch of images: optional padding, then the model's preprocessor_config.json. `decodeSize` says what
 * size to decode a photo at so that the resize is a no-op (ImageEmbedder.decodeSize).
 */
export type PreparePixels = ((images: RgbImage[]) => Promise<PixelValues>) & {
  decodeSize(width: number, height: number): { width: number; height: number } | undefined;
};

/**
 * The size a `width` x `height` photo should have so that, after the fit's padding (or the aspect guard), the
 * processor's resize is a no-op; undefined when that would not shrink the photo to half or less (the caller
 * then decodes it at up to 512 px and the resize uses Pillow's arithmetic) or the processor does not resize.
 */
export function decodeSizeFor(
  size: ProcessorSize | undefined,
  fit: ImageFit,
  width: number,
  height: number,
): { width: number; height: number } | undefined {
  if (!size) return undefined;
  let target: [number, number];
  if (fit === 'pad') {
    const side = Math.max(width, height);
    const [w, h] = processorTarget(size, side, side);
    if (w !== h) return undefined;
    target = [Math.max(1, Math.round((width * w) / side)), Math.max(1, Math.round((height * w) / side))];
  } else {
    if (width > height * MAX_ASPECT || height > width * MAX_ASPECT) return undefined;
    target = processorTarget(size, width, height);
  }
  // Only where it halves the photo at least: there libvips' cubic is as close to the authors' Pillow resize of
  // the full photo as shrinking to 512 and resizing again in JS was (measured in the conformance test); a
  // smaller image keeps Pillow's exact arithmetic.
  const [w, h] = target;
  return 2 * w <= width && 2 * h <= height ? { width: w, height: h } : undefined;
}

/** The `size` of a preprocessor_config.json: a fixed size (SigLIP) or the shortest edge (CLIP). */
export type ProcessorSize = { height: number; width: number } | { shortest_edge: number };

/**
 * The size the processor would resize `width` x `height` to, with transformers.js's own rounding
 * (`get_resize_output_image_size`), so that after our resize the processor's resize is a no-op.
 */
export function processorTarget(size: ProcessorSize, width: number, height: number): [number, number] {
  if ('shortest_edge' in size) {
    const factor = Math.max(size.shortest_edge / width, size.shortest_edge / height);
    const round = (v: number) => Math.floor(Number((v * factor).toFixed(2)));
    return [round(width), round(height)];
  }
  return [size.width, size.height];
}

/**
 * Resizes to the processor's input size with Pillow's BICUBIC, as the authors' Python does (its kernel widens
 * when shrinking, so fine stripes and knits keep their colour). Left to itself, transformers.js under Node would
 * resize with sharp's affine transform, which samples without antialiasing.
 */
export function resizeBicubic(image: RgbImage, width: number, height: number): RgbImage {
  if (image.width === width && image.height === height) return image;
  return resizePil(image, width, height, 'bicubic');
}

/** The fields of a transformers.js image processor that decide its arithmetic (its own defaults applied). */
export interface ProcessorFields {
  do_resize?: boolean;
  size?: ProcessorSize;
  do_center_crop?: boolean;
  crop_size?: number | { width: number; height: number };
  do_rescale?: boolean;
  rescale_factor?: number;
  do_normalize?: boolean;
  image_mean?: number | number[];
  image_std?: number | number[];
  do_convert_rgb?: boolean;
  do_convert_grayscale?: boolean;
  do_crop_margin?: boolean;
  do_thumbnail?: boolean;
  do_pad?: boolean;
  do_flip_channel_order?: boolean;
}

type Normalise = (images: RgbImage[]) => PixelValues | undefined;

const triple = (v: number | number[] | undefined, fallback: number): number[] =>
  Array.isArray(v) ? v : [v ?? fallback, v ?? fallback, v ?? fallback];

/**
 * The processor's centre crop, rescale, normalise and HWC to NCHW for a batch of images already at its resize
 * size, in one pass into one Float32Array per batch, with its very arithmetic (x * rescale_factor rounded to
 * float32, then (x - mean) / std). Undefined for a configuration it does not cover (padding, thumbnails,
 * margins, channel flips, grey): those go through the processor itself. A batch it cannot stack (images of
 * different sizes, or smaller than the crop) returns undefined too.
 */
export function fastNormalise(p: ProcessorFields): Normalise | undefined {
  if (p.do_crop_margin || p.do_thumbnail || p.do_pad || p.do_flip_channel_order || p.do_convert_grayscale)
    return undefined;
  const crop = p.do_center_crop
    ? typeof p.crop_size === 'number'
      ? { width: p.crop_size, height: p.crop_size }
      : p.crop_size
    : undefined;
  if (p.do_center_crop && !crop) return undefined;
  const rescale = p.do_rescale === false ? 1 : (p.rescale_factor ?? 1 / 255);
  const mean = p.do_normalize ? triple(p.image_mean, 0) : [0, 0, 0];
  const std = p.do_normalize ? triple(p.image_std, 1) : [1, 1, 1];
  if (mean.length !== 3 || std.length !== 3) return undefined;
  return (images) => {
    const first = images[0];
    if (!first) return undefined;
    const width = crop?.width ?? first.width;
    const height = crop?.height ?? first.height;
    const plane = width * height;
    const out = new Float32Array(images.length * 3 * plane);
    for (const [b, image] of images.entries()) {
      if (image.width < width || image.height < height) return undefined;
      if (!crop && (image.width !== width || image.height !== height)) return undefined;
      const left = Math.floor((image.width - width) / 2);
      const top = Math.floor((image.height - height) / 2);
      for (let c = 0; c < 3; c++) {
        const start = (top * image.width + left) * 3 + c;
        const at = (b * 3 + c) * plane;
        const [m, s] = [mean[c] as number, std[c] as number];
        normalisePlane(image.data, start, image.width * 3, out, at, width, height, rescale, m, s);
      }
    }
    return new Tensor('float32', out, [images.length, 3, height, width]);
  };
}

/**
 * One channel of a crop into its plane: (fround(x * rescale) - m) / s. The loop has a function of its own, so it
 * is optimized whole (see toPlanes in onnx-segmenter.ts for what a loop inside a larger function costs).
 */
function normalisePlane(
  src: Uint8Array,
  start: number,
  rowStride: number,
  out: Float32Array,
  at: number,
  width: number,
  height: number,
  rescale: number,
  m: number,
  s: number,
): void {
  for (let y = 0, o = at; y < height; y++) {
    for (let x = 0, i = start + y * rowStride; x < width; x++, i += 3) {
      out[o++] = (Math.fround((src[i] as number) * rescale) - m) / s;
    }
  }
}

/** Loads the model's image processor and returns the batch preparation for `options`. */
export async function loadPreparePixels(
  model: ResolvedEmbedModel,
  options: PixelOptions,
): Promise<PreparePixels> {
  const processor = await AutoImageProcessor.from_pretrained(model.dir, pretrainedOptions());
  const fields = processor as unknown as ProcessorFields;
  // The processor's resize target, or undefined when it does not resize.
  const resizes = fields.size && fields.do_resize !== false ? fields.size : undefined;
  const fast = fastNormalise(fields);
  const prepare = async (images: RgbImage[]) => {
    const fitted = images.map((im) =>
      options.fit === 'pad'
        ? padToSquare(im, options.padColour)
        : limitAspect(im, MAX_ASPECT, options.padColour),
    );
    const sized = resizes
      ? fitted.map((im) => resizeBicubic(im, ...processorTarget(resizes, im.width, im.height)))
      : fitted;
    const quick = fast?.(sized);
    if (quick) return quick;
    const raw = sized.map((im) => new RawImage(im.data, im.width, im.height, 3));
    const { pixel_values } = (await processor(raw)) as { pixel_values: PixelValues };
    return pixel_values;
  };
  return Object.assign(prepare, {
    decodeSize: (width: number, height: number) => decodeSizeFor(resizes, options.fit, width, height),
  });
}
