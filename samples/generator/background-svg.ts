import type { Random } from '#core/random.ts';
import type { Background } from './palette.ts';

const STUDIO_TONES = ['#ffffff', '#f6f6f6', '#eeeeee', '#f3f1ec', '#e9eaec'];
const BUSY_TONES = [
  '#f4a261',
  '#2a9d8f',
  '#e76f51',
  '#264653',
  '#e9c46a',
  '#8ab17d',
  '#b56576',
  '#6d597a',
  '#90e0ef',
];

/** SVG markup (defs and shapes) filling a `width` x `height` canvas behind the garment. */
export function backgroundSvg(kind: Background, width: number, height: number, rng: Random): string {
  return kind === 'studio' ? studio(width, height, rng) : busy(width, height, rng);
}

function studio(w: number, h: number, rng: Random): string {
  const tone = rng.pick(STUDIO_TONES);
  return (
    '<defs><linearGradient id="floor" x1="0" y1="0" x2="0" y2="1">' +
    `<stop offset="0" stop-color="${tone}"/><stop offset="1" stop-color="#000" stop-opacity="0.06"/>` +
    '</linearGradient><filter id="soft" x="-50%" y="-50%" width="200%" height="200%">' +
    '<feGaussianBlur stdDeviation="14"/></filter></defs>' +
    `<rect width="${w}" height="${h}" fill="${tone}"/>` +
    `<rect y="${Math.round(h * 0.75)}" width="${w}" height="${Math.round(h * 0.25)}" fill="url(#floor)"/>` +
    `<ellipse cx="${w / 2}" cy="${Math.round(h * 0.93)}" rx="${Math.round(w * 0.34)}" ry="${Math.round(h * 0.025)}" ` +
    'fill="#000" opacity="0.18" filter="url(#soft)"/>'
  );
}

function busy(w: number, h: number, rng: Random): string {
  const [a, b] = [rng.pick(BUSY_TONES), rng.pick(BUSY_TONES)];
  const shapes: string[] = [];
  for (let i = rng.int(8, 14); i > 0; i--) {
    const fill = rng.pick(BUSY_TONES);
    const opacity = rng.range(0.35, 0.85).toFixed(2);
    const x = Math.round(rng.range(-0.1, 1) * w);
    const y = Math.round(rng.range(-0.1, 1) * h);
    const size = Math.round(rng.range(0.08, 0.3) * w);
    shapes.push(
      rng.next() < 0.5
        ? `<circle cx="${x}" cy="${y}" r="${size}" fill="${fill}" opacity="${opacity}"/>`
        : `<rect x="${x}" y="${y}" width="${size * 1.4}" height="${size}" fill="${fill}" opacity="${opacity}" transform="rotate(${rng.int(-40, 40)} ${x} ${y})"/>`,
    );
  }
  const texture = rng.next() < 0.5 ? 'url(#lines)' : 'url(#grain)';
  return (
    `<defs><linearGradient id="wash" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${a}"/>` +
    `<stop offset="1" stop-color="${b}"/></linearGradient>` +
    '<pattern id="lines" patternUnits="userSpaceOnUse" width="12" height="12" patternTransform="rotate(35)">' +
    '<rect width="4" height="12" fill="#fff" opacity="0.25"/></pattern>' +
    `<filter id="grain"><feTurbulence type="fractalNoise" baseFrequency="0.9" numOctaves="2" seed="${rng.int(1, 999)}"/>` +
    '<feColorMatrix values="0 0 0 0 0  0 0 0 0 0  0 0 0 0 0  0 0 0 0.35 0"/></filter></defs>' +
    `<rect width="${w}" height="${h}" fill="url(#wash)"/>${shapes.join('')}` +
    (texture === 'url(#lines)'
      ? `<rect width="${w}" height="${h}" fill="url(#lines)"/>`
      : `<rect width="${w}" height="${h}" filter="url(#grain)"/>`)
  );
}
