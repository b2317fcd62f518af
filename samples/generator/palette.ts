/** Garment kinds the sample catalog draws. */
export const GARMENT_TYPES = ['t-shirt', 'shirt', 'dress', 'trousers', 'skirt', 'jacket'] as const;
/** A kind of garment. */
export type GarmentType = (typeof GARMENT_TYPES)[number];

/** Fabric patterns. */
export const PATTERNS = ['solid', 'stripes', 'dots', 'checks'] as const;
/** A fabric pattern. */
export type Pattern = (typeof PATTERNS)[number];

/** Camera views; each product gets all three. */
export const VIEWS = ['front', 'back', 'angle'] as const;
/** A camera view of a garment. */
export type View = (typeof VIEWS)[number];

/** Background styles: plain studio or deliberately busy. */
export const BACKGROUNDS = ['studio', 'busy'] as const;
/** A background style. */
export type Background = (typeof BACKGROUNDS)[number];

/** Named fabric colours, each with the colour its stripes, dots or checks are drawn in. */
export const COLORS = {
  red: { hex: '#c8102e', contrast: '#ffffff' },
  navy: { hex: '#1f2a56', contrast: '#ffffff' },
  blue: { hex: '#2f6fd0', contrast: '#ffffff' },
  green: { hex: '#2e7d32', contrast: '#f5f0e1' },
  yellow: { hex: '#f2c230', contrast: '#1f2a56' },
  black: { hex: '#1b1b1b', contrast: '#e8e8e8' },
  white: { hex: '#f7f7f4', contrast: '#1f2a56' },
  pink: { hex: '#ef8fb0', contrast: '#ffffff' },
  beige: { hex: '#d8c3a0', contrast: '#5b3a1e' },
  grey: { hex: '#8a8d91', contrast: '#ffffff' },
  orange: { hex: '#e8731c', contrast: '#ffffff' },
  purple: { hex: '#6a3d9a', contrast: '#f3e9ff' },
} as const satisfies Record<string, { hex: string; contrast: string }>;
/** A named colour of the palette. */
export type ColorName = keyof typeof COLORS;

/** Product category of each garment type. */
export const CATEGORY: Record<GarmentType, string> = {
  't-shirt': 'tops',
  shirt: 'tops',
  dress: 'dresses',
  trousers: 'bottoms',
  skirt: 'bottoms',
  jacket: 'outerwear',
};

/** Scales each RGB channel of `#rrggbb` by `factor` (below 1 darkens). */
export function shade(hex: string, factor: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const channel = (shift: number) => Math.max(0, Math.min(255, Math.round(((n >> shift) & 255) * factor)));
  return `#${[16, 8, 0].map((s) => channel(s).toString(16).padStart(2, '0')).join('')}`;
}
