import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkImage, type ImageFormat, sniffImage } from '#core/image/check.ts';

const encode = (format: 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'tiff', width = 24, height = 16) =>
  sharp({ create: { width, height, channels: 3, background: { r: 20, g: 120, b: 200 } } })
    .toFormat(format)
    .toBuffer();

/** A noisy JPEG, so that most of its bytes are scan data rather than headers. */
const noisyJpeg = (width: number, height: number) => {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 251;
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg()
    .toBuffer();
};

/** A minimal ISO-BMFF `ftyp` box with the given major and compatible brands. */
function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const body = Buffer.from(`${major}\0\0\0\0${compatible.join('')}`, 'latin1');
  const size = Buffer.alloc(4);
  size.writeUInt32BE(8 + body.length);
  return Buffer.concat([size, Buffer.from('ftyp'), body]);
}

describe('sniffImage', () => {
  it.each(['jpeg', 'png', 'gif', 'webp', 'avif', 'tiff'] as const)(
    'recognises %s written by sharp',
    async (format) => {
      // Prepare
      const bytes = await encode(format);
      // Act
      const found = sniffImage(bytes);
      // Assess
      expect(found).toBe(format);
    },
  );

  it('tells HEIC from AVIF by the ftyp brands, and rejects other ISO media', () => {
    // Act + Assess
    expect(sniffImage(ftyp('heic', 'mif1', 'heic'))).toBe<ImageFormat>('heif');
    expect(sniffImage(ftyp('mif1', 'mif1', 'avif'))).toBe<ImageFormat>('avif');
    expect(sniffImage(ftyp('isom', 'isom', 'mp41'))).toBeUndefined();
  });

  it('returns undefined for text, HTML and empty input', () => {
    // Act + Assess
    expect(sniffImage(Buffer.from('<!doctype html><html>'))).toBeUndefined();
    expect(sniffImage(Buffer.from('hello'))).toBeUndefined();
    expect(sniffImage(new Uint8Array(0))).toBeUndefined();
  });
});

describe('checkImage', () => {
  let jpeg: Buffer;
  beforeAll(async () => {
    jpeg = await noisyJpeg(120, 80);
  });
  const limits = { maxPixels: 1_000_000 };

  it('accepts a whole image under image/*, octet-stream or no content type', async () => {
    // Act
    const results = await Promise.all(
      ['image/jpeg', 'IMAGE/PNG; q=1', 'application/octet-stream', undefined].map((t) =>
        checkImage(jpeg, t, limits),
      ),
    );
    // Assess
    for (const result of results)
      expect(result).toEqual({ ok: true, format: 'jpeg', width: 120, height: 80 });
  });

  it('refuses a non-image content type even when the bytes are an image', async () => {
    // Act
    const result = await checkImage(jpeg, 'text/html; charset=utf-8', limits);
    // Assess
    expect(result).toEqual({
      ok: false,
      reason: 'not_an_image',
      detail: 'content type is text/html, not an image',
    });
  });

  it('refuses bytes that are not an image even when labelled image/jpeg', async () => {
    // Act
    const result = await checkImage(Buffer.from('plain text'), 'image/jpeg', limits);
    // Assess
    expect(result).toMatchObject({ ok: false, reason: 'not_an_image' });
  });

  it('finds a truncated JPEG by decoding it whole', async () => {
    // Prepare
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.8));
    // Act
    const result = await checkImage(truncated, 'image/jpeg', limits);
    // Assess
    expect(result).toMatchObject({ ok: false, reason: 'corrupt_image' });
    if (!result.ok) expect(result.detail).toMatch(/cannot decode jpeg/);
  });

  it('refuses an image over the pixel limit, naming its size', async () => {
    // Act
    const result = await checkImage(jpeg, 'image/jpeg', { maxPixels: 120 * 80 - 1 });
    // Assess
    expect(result).toEqual({
      ok: false,
      reason: 'too_many_pixels',
      detail: '120x80 is 9600 pixels, over the limit of 9599',
    });
  });

  it('refuses a strip with one side over 1000 times the other, naming its size, and takes one at 1000', async () => {
    // Prepare: a 2 KB PNG of 1 x 1,000,000 would cost a minute of resizing; these are its small cousins
    const strip = await encode('png', 2, 2001);
    const limit = await encode('png', 2000, 2);
    // Act
    const refused = await checkImage(strip, 'image/png', { maxPixels: 50e6 });
    const taken = await checkImage(limit, 'image/png', { maxPixels: 50e6 });
    // Assess
    expect(refused).toEqual({
      ok: false,
      reason: 'not_an_image',
      detail: '2x2001 is not a photo we can use: one side is over 1000 times the other',
    });
    expect(taken).toMatchObject({ ok: true, width: 2000, height: 2 });
  });
});
