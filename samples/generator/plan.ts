import { InputError } from '#core/errors.ts';
import { Random } from '#core/random.ts';
import {
  type Background,
  CATEGORY,
  COLORS,
  type ColorName,
  GARMENT_TYPES,
  type GarmentType,
  PATTERNS,
  type Pattern,
  VIEWS,
  type View,
} from './palette.ts';

/** One picture of a sample product; `missing` marks the deliberately broken one (never written, so a 404). */
export interface SampleImage {
  file: string;
  view: View;
  background: Background;
  seed: number;
  missing?: boolean;
}

/** A product of the drawn sample catalog. */
export interface SampleProduct {
  id: string;
  name: string;
  category: string;
  type: GarmentType;
  color: ColorName;
  pattern: Pattern;
  price: number;
  productUrl: string;
  images: SampleImage[];
}

/** How many products and whether one image URL is deliberately broken. */
export interface SamplePlanOptions {
  /** Default 30, at most 200. */
  products?: number;
  /** Point one image of the second product at a file that does not exist (default true). */
  brokenImage?: boolean;
}

/** The products the demo story relies on come first: the query is "red striped shirt". */
const OPENING: [GarmentType, ColorName, Pattern][] = [
  ['shirt', 'red', 'stripes'],
  ['t-shirt', 'red', 'stripes'],
  ['shirt', 'blue', 'stripes'],
  ['shirt', 'red', 'checks'],
  ['dress', 'red', 'solid'],
  ['jacket', 'navy', 'solid'],
];
const PATTERN_WORD: Record<Pattern, string> = {
  solid: '',
  stripes: 'striped',
  dots: 'polka-dot',
  checks: 'checked',
};
const BASE_PRICE: Record<GarmentType, number> = {
  't-shirt': 19,
  shirt: 39,
  dress: 59,
  trousers: 49,
  skirt: 35,
  jacket: 89,
};
const MAX_PRODUCTS = 200;

/** Decides, deterministically, which garments the sample catalog holds and how each is photographed. */
export function planSampleProducts(options: SamplePlanOptions = {}): SampleProduct[] {
  const { products = 30, brokenImage = true } = options;
  if (!Number.isInteger(products) || products < 1 || products > MAX_PRODUCTS) {
    throw new InputError(
      `sample catalog: products must be a whole number from 1 to ${MAX_PRODUCTS}, got ${products}`,
    );
  }
  const rng = new Random(20_240_917);
  const combos = [...OPENING];
  const seen = new Set(combos.map((c) => c.join('/')));
  const colors = Object.keys(COLORS) as ColorName[];
  while (combos.length < products) {
    const combo: [GarmentType, ColorName, Pattern] = [
      GARMENT_TYPES[combos.length % GARMENT_TYPES.length] as GarmentType,
      rng.pick(colors),
      rng.pick(PATTERNS),
    ];
    if (!seen.has(combo.join('/'))) {
      seen.add(combo.join('/'));
      combos.push(combo);
    }
  }
  return combos.slice(0, products).map(([type, color, pattern], i) => {
    const id = `s${String(i + 1).padStart(3, '0')}`;
    const name = [capitalize(color), PATTERN_WORD[pattern], type].filter(Boolean).join(' ');
    const own = new Random(1000 + i);
    const ext = i % 5 === 4 ? 'png' : 'jpg';
    const images = VIEWS.map((view): SampleImage => {
      const busy = (i === 0 && view === 'angle') || (i > 0 && own.next() < 0.2);
      return { file: `${id}-${view}.${ext}`, view, background: busy ? 'busy' : 'studio', seed: 1000 + i };
    });
    if (brokenImage && i === 1)
      images[1] = { ...(images[1] as SampleImage), file: `${id}-back-missing.jpg`, missing: true };
    return {
      id,
      name,
      category: CATEGORY[type],
      type,
      color,
      pattern,
      price: BASE_PRICE[type] + own.int(0, 20) + 0.99,
      productUrl: `https://shop.example.com/products/${name.toLowerCase().replaceAll(' ', '-')}-${id}`,
      images,
    };
  });
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
