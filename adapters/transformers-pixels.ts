import { AutoImageProcessor, RawImage } from '@huggingface/transformers';
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
  const [r, g, b] = colour;
  for (let i = 0; i < data.length; i += 3) {
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
  }
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

/** Prepares a batch of images: optional padding, then the model's preprocessor_config.json through transformers.js. */
export type PreparePixels = (images: RgbImage[]) => Promise<PixelValues>;

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

/** Loads the model's image processor and returns the batch preparation for `options`. */
export async function loadPreparePixels(
  model: ResolvedEmbedModel,
  options: PixelOptions,
): Promise<PreparePixels> {
  const processor = await AutoImageProcessor.from_pretrained(model.dir, pretrainedOptions());
  const { size, do_resize } = processor as unknown as { size?: ProcessorSize; do_resize?: boolean };
  return async (images) => {
    const fitted = images.map((im) =>
      options.fit === 'pad'
        ? padToSquare(im, options.padColour)
        : limitAspect(im, MAX_ASPECT, options.padColour),
    );
    const sized =
      size && do_resize !== false
        ? fitted.map((im) => resizeBicubic(im, ...processorTarget(size, im.width, im.height)))
        : fitted;
    const raw = sized.map((im) => new RawImage(im.data, im.width, im.height, 3));
    const { pixel_values } = (await processor(raw)) as { pixel_values: PixelValues };
    return pixel_values;
  };
}
