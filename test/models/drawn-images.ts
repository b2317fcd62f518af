import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '#core/ports/models.ts';

/** A t-shirt silhouette in `fill` on a flat `background`, rendered from SVG to raw RGB. */
export async function drawShirt(
  fill: string,
  background = '#ffffff',
  width = 300,
  height = 240,
): Promise<RgbImage> {
  const shirt = 'M110 40 L190 40 L260 90 L230 120 L205 100 L205 220 L95 220 L95 100 L70 120 L40 90 Z';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 300 240" preserveAspectRatio="none">
    <rect width="300" height="240" fill="${background}"/><path d="${shirt}" fill="${fill}"/></svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** A fresh temporary directory for one test file. */
export function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `threadfinder-${prefix}-`));
}
