import type { Random } from '#core/random.ts';
import type { Pattern } from './palette.ts';

/** An SVG `<pattern id="fabric">` for the garment fill, in garment-box units. */
export function fabricPattern(
  pattern: Pattern,
  base: string,
  contrast: string,
  vertical: boolean,
  rng: Random,
): string {
  const open = (w: number, h: number) =>
    `<pattern id="fabric" patternUnits="userSpaceOnUse" width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="${base}"/>`;
  switch (pattern) {
    case 'solid':
      return `${open(10, 10)}</pattern>`;
    case 'stripes': {
      const period = rng.int(22, 34);
      const band = Math.round(period * rng.range(0.35, 0.5));
      const stripe = vertical
        ? `<rect width="${band}" height="${period}" fill="${contrast}"/>`
        : `<rect width="${period}" height="${band}" fill="${contrast}"/>`;
      return `${open(period, period)}${stripe}</pattern>`;
    }
    case 'dots': {
      const cell = rng.int(24, 34);
      const r = (cell * rng.range(0.16, 0.22)).toFixed(1);
      const half = cell / 2;
      return `${open(cell, cell)}<circle cx="${half / 2}" cy="${half / 2}" r="${r}" fill="${contrast}"/><circle cx="${half * 1.5}" cy="${half * 1.5}" r="${r}" fill="${contrast}"/></pattern>`;
    }
    case 'checks': {
      const cell = rng.int(26, 40);
      const band = Math.round(cell / 2);
      return `${open(cell, cell)}<rect width="${cell}" height="${band}" fill="${contrast}" opacity="0.55"/><rect width="${band}" height="${cell}" fill="${contrast}" opacity="0.55"/></pattern>`;
    }
  }
}

/** A horizontal light-and-shadow gradient that gives the flat garment some volume. */
export function shadingGradient(): string {
  return (
    '<linearGradient id="shading" x1="0" y1="0" x2="1" y2="0">' +
    '<stop offset="0" stop-color="#000" stop-opacity="0.22"/>' +
    '<stop offset="0.3" stop-color="#fff" stop-opacity="0.10"/>' +
    '<stop offset="0.6" stop-color="#fff" stop-opacity="0.03"/>' +
    '<stop offset="1" stop-color="#000" stop-opacity="0.25"/></linearGradient>'
  );
}
