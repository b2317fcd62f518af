import { AutoImageProcessor, RawImage } from '@huggingface/transformers';
import type { RgbImage } from '../core/ports/models.ts';
import type { ResolvedEmbedModel } from '../models/resolve.ts';
import { pretrainedOptions } from './transformers-env.ts';

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
  for (let i = 0; i < side * tall; i++) data.set(colour, i * 3);
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

/** Loads the model's image processor and returns the batch preparation for `options`. */
export async function loadPreparePixels(
  model: ResolvedEmbedModel,
  options: PixelOptions,
): Promise<PreparePixels> {
  const processor = await AutoImageProcessor.from_pretrained(model.dir, pretrainedOptions());
  return async (images) => {
    const fitted = images.map((im) =>
      options.fit === 'pad'
        ? padToSquare(im, options.padColour)
        : limitAspect(im, MAX_ASPECT, options.padColour),
    );
    const raw = fitted.map((im) => new RawImage(im.data, im.width, im.height, 3));
    const { pixel_values } = (await processor(raw)) as { pixel_values: PixelValues };
    return pixel_values;
  };
}
