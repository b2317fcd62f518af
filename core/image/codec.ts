import sharp from 'sharp';
import type { RgbImage } from '#core/ports/models.ts';

/** Options for decoding untrusted images. */
export interface DecodeOptions {
  /** Refuse images with more pixels than this (decompression bombs). */
  maxPixels: number;
  /** Shrink so that neither side exceeds this; never enlarges. */
  maxSide?: number;
  /** Resize to exactly this size instead (aspect not kept), with this kernel: wins over maxSide. */
  size?: { width: number; height: number; kernel: 'lanczos3' | 'cubic' };
  /** Colour that transparent pixels are flattened onto. */
  background?: readonly [number, number, number];
}

/**
 * Decodes any supported image to upright 8-bit sRGB without alpha, in one libvips pipeline: a JPEG that is
 * shrunk is decoded at the smaller size (shrink-on-load), and nothing is encoded in between. sharp resizes
 * before it flattens; it resizes premultiplied, so flattening after the resize gives the same pixels as before
 * it, up to rounding.
 */
export async function decodeToRgb(bytes: Uint8Array, options: DecodeOptions): Promise<RgbImage> {
  const [r, g, b] = options.background ?? [255, 255, 255];
  let pipeline = sharp(bytes, { limitInputPixels: options.maxPixels }).rotate();
  if (options.size) {
    const { width, height, kernel } = options.size;
    // fastShrinkOnLoad off: the JPEG is shrunk on load only as far as keeps the kernel's result (much closer to
    // Pillow's resize of the full photo when shrinking by 2 or more).
    pipeline = pipeline.resize(width, height, { fit: 'fill', kernel, fastShrinkOnLoad: false });
  } else if (options.maxSide) {
    pipeline = pipeline.resize({
      width: options.maxSide,
      height: options.maxSide,
      fit: 'inside',
      withoutEnlargement: true,
    });
  }
  const { data, info } = await pipeline
    .flatten({ background: { r, g, b } })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels after decoding, got ${info.channels}`);
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/** Width and height of an image as it will be decoded (after its EXIF orientation), from its header. */
export async function orientedSize(
  bytes: Uint8Array,
  maxPixels: number,
): Promise<{ width: number; height: number }> {
  const {
    width = 0,
    height = 0,
    orientation = 1,
  } = await sharp(bytes, { limitInputPixels: maxPixels }).metadata();
  return orientation >= 5 ? { width: height, height: width } : { width, height };
}

/** Encodes raw RGB as a lossless PNG. */
export async function encodePng(image: RgbImage): Promise<Uint8Array> {
  const buf = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}
