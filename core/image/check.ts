import sharp from 'sharp';
import type { FailureReason } from '#core/types.ts';

/** Image formats recognised by their magic bytes. */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'heif' | 'tiff';

/** File extension and MIME type stored with an original of each format. */
export const FORMAT_INFO: Readonly<Record<ImageFormat, { ext: string; contentType: string }>> = {
  jpeg: { ext: 'jpg', contentType: 'image/jpeg' },
  png: { ext: 'png', contentType: 'image/png' },
  gif: { ext: 'gif', contentType: 'image/gif' },
  webp: { ext: 'webp', contentType: 'image/webp' },
  avif: { ext: 'avif', contentType: 'image/avif' },
  heif: { ext: 'heic', contentType: 'image/heif' },
  tiff: { ext: 'tif', contentType: 'image/tiff' },
};

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
/** Content types that say nothing about the bytes; the magic bytes decide. */
const NEUTRAL_TYPES = new Set(['application/octet-stream', 'binary/octet-stream']);

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

function sniffIsoBmff(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return undefined;
  const boxSize = Math.min(bytes.length, new DataView(bytes.buffer, bytes.byteOffset).getUint32(0));
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(ascii(bytes, at, at + 4));
  if (brands.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  if (brands.some((b) => HEIF_BRANDS.has(b))) return 'heif';
  return undefined;
}

/** Recognises an image format from its first bytes; undefined when the bytes are not a known image. */
export function sniffImage(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  const head = ascii(bytes, 0, 6);
  if (head === 'GIF87a' || head === 'GIF89a') return 'gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]))
    return 'tiff';
  return sniffIsoBmff(bytes);
}

/**
 * The most one side of an image may exceed the other. Within the pixel cap that bounds a strip at about 224 x
 * 224,000; beyond, libvips works row by row: checking a 2 KB PNG of 1 x 50,000,000 took 9 s, and resizing
 * one of 1 x 1,000,000 for the segmenter took a search server 80 s.
 */
export const MAX_ASPECT_RATIO = 1000;

/** A usable image, or why the bytes are not one. */
export type ImageCheck =
  | { ok: true; format: ImageFormat; width: number; height: number }
  | { ok: false; reason: FailureReason; detail: string };

function mediaType(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

/** True for bytes that start like XML or SVG (after an optional BOM and white space). */
function looksLikeSvg(bytes: Uint8Array, type: string | undefined): boolean {
  if (type === 'image/svg+xml') return true;
  const start = ascii(bytes, 0, 256)
    .replace(/^\u00ef\u00bb\u00bf/, '')
    .trimStart()
    .toLowerCase();
  return start.startsWith('<?xml') || start.startsWith('<svg') || start.startsWith('<!doctype svg');
}

/**
 * Decides whether downloaded bytes are an image we can use: the body must not be empty; the content type must
 * be image/*, a neutral octet-stream or absent; the magic bytes must name a raster image (SVG is refused:
 * it is XML that can reference external files); the pixel count, read from the header alone, must be within
 * `maxPixels`, and neither side over MAX_ASPECT_RATIO times the other; and the whole image must decode (a
 * truncated file fails here).
 */
export async function checkImage(
  bytes: Uint8Array,
  contentType: string | undefined,
  options: { maxPixels: number },
): Promise<ImageCheck> {
  const type = mediaType(contentType);
  if (bytes.length === 0) {
    return {
      ok: false,
      reason: 'not_an_image',
      detail: `the body is empty (0 bytes, ${type ?? 'no content type'})`,
    };
  }
  if (type !== undefined && !type.startsWith('image/') && !NEUTRAL_TYPES.has(type)) {
    return { ok: false, reason: 'not_an_image', detail: `content type is ${type}, not an image` };
  }
  const format = sniffImage(bytes);
  if (!format && looksLikeSvg(bytes, type)) {
    const detail = 'SVG images are not accepted (vector XML that can reference external files)';
    return { ok: false, reason: 'not_an_image', detail };
  }
  if (!format) {
    const shown = type ?? 'no content type';
    return { ok: false, reason: 'not_an_image', detail: `bytes are not a known image format (${shown})` };
  }
  let width: number;
  let height: number;
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    width = meta.width ?? 0;
    height = meta.height ?? 0;
  } catch (error) {
    return { ok: false, reason: 'corrupt_image', detail: `cannot read ${format} header: ${message(error)}` };
  }
  if (width * height > options.maxPixels) {
    const detail = `${width}x${height} is ${width * height} pixels, over the limit of ${options.maxPixels}`;
    return { ok: false, reason: 'too_many_pixels', detail };
  }
  if (Math.max(width, height) > MAX_ASPECT_RATIO * Math.max(1, Math.min(width, height))) {
    const detail = `${width}x${height} is not a photo we can use: one side is over ${MAX_ASPECT_RATIO} times the other`;
    return { ok: false, reason: 'not_an_image', detail };
  }

  try {
    await sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'warning' })
      .resize(32, 32, { fit: 'inside' })
      .raw()
      .toBuffer();
  } catch (error) {
    const text = message(error);
    if (text.includes('pixel limit')) return { ok: false, reason: 'too_many_pixels', detail: text };
    return { ok: false, reason: 'corrupt_image', detail: `cannot decode ${format}: ${text}` };
  }
  return { ok: true, format, width, height };
}

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
