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
  /** Returns a mask at the image's own size. */
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
