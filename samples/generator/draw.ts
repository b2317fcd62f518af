import sharp from 'sharp';
import { InputError } from '#core/errors.ts';
import { Random } from '#core/random.ts';
import { backgroundSvg } from './background-svg.ts';
import { fabricPattern, shadingGradient } from './fabric-svg.ts';
import { garmentShape } from './garment-shapes.ts';
import {
  BACKGROUNDS,
  type Background,
  COLORS,
  type ColorName,
  GARMENT_TYPES,
  type GarmentType,
  PATTERNS,
  type Pattern,
  shade,
  VIEWS,
  type View,
} from './palette.ts';

/** What to draw: a garment, its fabric, the camera view and the background. */
export interface GarmentSpec {
  type: GarmentType;
  color: ColorName;
  pattern: Pattern;
  /** Default 'front'. */
  view?: View;
  /** Default 'studio'. */
  background?: Background;
  /** Same seed, same picture; the fabric depends on the seed only, so a product's views match. Default 1. */
  seed?: number;
  /** Pixels; default 480 x 600. */
  width?: number;
  height?: number;
  /** Default 'jpeg'. */
  format?: 'jpeg' | 'png';
}

/** Renders a garment picture (JPEG or PNG bytes) from an SVG drawing. */
export async function drawGarment(spec: GarmentSpec): Promise<Buffer> {
  const svg = garmentSvg(spec);
  const image = sharp(Buffer.from(svg));
  return spec.format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 88 }).toBuffer();
}

/** The SVG document drawGarment renders. */
export function garmentSvg(spec: GarmentSpec): string {
  const { type, color, pattern, view = 'front', background = 'studio', seed = 1 } = spec;
  const { width = 480, height = 600 } = spec;
  check('type', type, GARMENT_TYPES);
  check('color', color, Object.keys(COLORS));
  check('pattern', pattern, PATTERNS);
  check('view', view, VIEWS);
  check('background', background, BACKGROUNDS);
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v < 64 || v > 2048) {
      throw new InputError(`drawGarment: ${name} must be a whole number of pixels from 64 to 2048, got ${v}`);
    }
  }
  if (!Number.isSafeInteger(seed)) throw new InputError(`drawGarment: seed must be an integer, got ${seed}`);

  const fabricRng = new Random(seed);
  const sceneRng = new Random(seed * 7919 + VIEWS.indexOf(view) * 104729 + (background === 'busy' ? 1 : 0));
  const { hex, contrast } = COLORS[color];
  const ink = shade(hex, color === 'black' ? 2.2 : 0.55);
  const vertical = type === 'shirt' || type === 'trousers';
  const fabric = fabricPattern(pattern, hex, contrast, vertical, fabricRng);
  const stretch = fabricRng.range(0.94, 1.06);

  const shape = garmentShape(type, view === 'back' ? 'back' : 'front', ink);
  const fit = Math.min((width * 0.82) / 400, (height * 0.84) / 500);
  const zoom = view === 'angle' ? sceneRng.range(1.03, 1.1) : 1;
  const tilt = view === 'angle' ? sceneRng.range(5, 9) * (sceneRng.next() < 0.5 ? -1 : 1) : 0;
  const transform =
    `translate(${width / 2} ${height * 0.48}) scale(${(fit * zoom * stretch).toFixed(4)} ${(fit * zoom).toFixed(4)}) ` +
    `rotate(${tilt.toFixed(2)}) translate(-200 -250)`;
  const pieces = shape.pieces.map(
    (d) =>
      `<path d="${d}" fill="url(#fabric)" stroke="${ink}" stroke-width="3" stroke-linejoin="round"/>` +
      `<path d="${d}" fill="url(#shading)"/>`,
  );
  const shadow = shape.pieces.map((d) => `<path d="${d}"/>`).join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    backgroundSvg(background, width, height, sceneRng) +
    `<defs>${fabric}${shadingGradient()}<filter id="drop" x="-20%" y="-20%" width="140%" height="140%">` +
    '<feGaussianBlur stdDeviation="6"/></filter></defs>' +
    `<g transform="${transform}"><g transform="translate(6 9)" fill="#000" opacity="0.22" filter="url(#drop)">${shadow}</g>` +
    `${pieces.join('')}${shape.details}</g></svg>`
  );
}

function check(name: string, value: string, allowed: readonly string[]): void {
  if (!allowed.includes(value)) {
    throw new InputError(`drawGarment: unknown ${name} "${value}" (expected one of: ${allowed.join(', ')})`);
  }
}
