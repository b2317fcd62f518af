/** An RGB image as raw interleaved bytes (3 channels, row-major). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A foreground mask: one byte per pixel, 0 = background, 255 = garment. */
export interface Mask {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Separates the garment from the background.
 *
 * @example
 * const mask = await segmenter.segment({ data, width, height });
 */
export interface Segmenter {
  readonly modelId: string;
  /**
   * Side of the square the model runs at. Callers decode straight to it (one libvips pipeline with
   * shrink-on-load) so that the segmenter does not resample; any other size is resized to it.
   */
  readonly inputSize?: number;
  /**
   * Returns the garment mask at the model's resolution (the image squashed to the square, as the model saw it):
   * consumers resize it to whatever they cut out, so it is stored small and upsampled only on use.
   */
  segment(image: RgbImage): Promise<Mask>;
  /** Frees the model's memory; the segmenter must not be used afterwards. */
  dispose?(): Promise<void>;
}

/**
 * Turns images into vectors in the model's joint image-text space.
 *
 * @example
 * const [v] = await embedder.embedImages([rgb]);
 */
export interface ImageEmbedder {
  readonly modelId: string;
  readonly dim: number;
  /** One unit-length vector per image, in order. */
  embedImages(images: RgbImage[]): Promise<Float32Array[]>;
  /**
   * The size to decode a `width` x `height` photo at so that the embedder resizes nothing itself (it may still
   * pad or crop); undefined when it would have to enlarge, or cannot say.
   */
  decodeSize?(width: number, height: number): { width: number; height: number } | undefined;
  /** Frees the model's memory; the embedder must not be used afterwards. */
  dispose?(): Promise<void>;
}

/**
 * Turns text into vectors in the same space as the ImageEmbedder of the same model.
 *
 * @example
 * const [v] = await textEmbedder.embedTexts(['red striped shirt']);
 */
export interface TextEmbedder {
  readonly modelId: string;
  readonly dim: number;
  /** One unit-length vector per text, in order. */
  embedTexts(texts: string[]): Promise<Float32Array[]>;
}
