import sharp from 'sharp';
import type { RgbImage } from '#core/ports/models.ts';

/** A red t-shirt on white, 300x400 (portrait like a product photo), drawn from SVG: the verify input. */
export async function drawVerifyImage(): Promise<RgbImage> {
  const shirt = 'M110 90 L190 90 L260 140 L230 170 L205 150 L205 330 L95 330 L95 150 L70 170 L40 140 Z';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="400">
    <rect width="300" height="400" fill="#ffffff"/><path d="${shirt}" fill="#c8102e"/></svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** The short text `models verify` embeds. */
export const VERIFY_TEXT = 'a red t-shirt';

/** The text the drawn red t-shirt must score lower against than VERIFY_TEXT (the ranking sanity check). */
export const CONTRAST_TEXT = 'blue jeans';
