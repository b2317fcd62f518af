import type { GarmentType } from './palette.ts';

/** A garment outline in a 400 x 500 box: fabric pieces (filled with the pattern) and line details. */
export interface GarmentShape {
  /** Path data of the parts cut from the fabric, back to front. */
  pieces: string[];
  /** SVG markup drawn on top (seams, buttons, pockets), in `ink` unless it says otherwise. */
  details: string;
}

type Side = 'front' | 'back';

const line = (d: string, ink: string, width = 3) =>
  `<path d="${d}" fill="none" stroke="${ink}" stroke-width="${width}" stroke-linecap="round"/>`;
const dashed = (d: string, ink: string) =>
  `<path d="${d}" fill="none" stroke="${ink}" stroke-width="2" stroke-dasharray="6 5" opacity="0.7"/>`;
const button = (x: number, y: number, ink: string, r = 7) =>
  `<circle cx="${x}" cy="${y}" r="${r}" fill="#f4f1ea" stroke="${ink}" stroke-width="2"/>`;

function tShirt(side: Side, ink: string): GarmentShape {
  const neck = side === 'front' ? 95 : 58;
  const body = `M150,40 Q200,${neck} 250,40 L330,62 L398,150 L345,185 L318,160 L318,478 L82,478 L82,160 L55,185 L2,150 L70,62 Z`;
  return {
    pieces: [body],
    details: [
      line(`M150,40 Q200,${neck} 250,40`, ink, 9),
      dashed('M86,462 L314,462', ink),
      dashed('M58,176 L8,143', ink),
      dashed('M342,176 L392,143', ink),
    ].join(''),
  };
}

function shirt(side: Side, ink: string): GarmentShape {
  const body =
    'M150,38 Q200,70 250,38 L328,58 L392,392 L342,404 L312,190 L312,482 L88,482 L88,190 L58,404 L8,392 L72,58 Z';
  const cuffs = line('M339,384 L388,372', ink) + line('M61,384 L12,372', ink);
  if (side === 'back') {
    return {
      pieces: [body, 'M150,38 Q200,62 250,38 L252,52 Q200,78 148,52 Z'],
      details: line('M88,112 Q200,128 312,112', ink, 2) + cuffs,
    };
  }
  const buttons = [130, 185, 240, 295, 350, 405, 455].map((y) => button(207, y, ink)).join('');
  return {
    pieces: [body, 'M150,38 L200,92 L160,110 L136,52 Z', 'M250,38 L200,92 L240,110 L264,52 Z'],
    details:
      line('M200,92 L200,482', ink, 2) +
      buttons +
      line('M232,150 L282,150 L282,200 L232,200 Z', ink, 2) +
      cuffs,
  };
}

function dress(side: Side, ink: string): GarmentShape {
  const neck = side === 'front' ? 62 : 38;
  const body = `M150,18 L178,18 Q200,${neck} 222,18 L250,18 L270,95 Q256,150 266,205 L358,488 Q200,505 42,488 L134,205 Q144,150 130,95 Z`;
  const waist = line('M134,205 Q200,216 266,205', ink, 4);
  const extra =
    side === 'front' ? dashed('M90,470 Q200,486 310,470', ink) : line(`M200,${neck - 16} L200,205`, ink, 2);
  return { pieces: [body], details: line(`M178,18 Q200,${neck} 222,18`, ink, 6) + waist + extra };
}

function trousers(side: Side, ink: string): GarmentShape {
  const body = 'M105,18 L295,18 L332,486 L222,486 L200,170 L178,486 L68,486 Z';
  const band = 'M105,18 L295,18 L297,48 L103,48 Z';
  const creases = dashed('M140,60 L122,480', ink) + dashed('M260,60 L278,480', ink);
  const front =
    line('M200,48 L200,150', ink, 2) +
    line('M112,55 Q132,92 118,122', ink, 2) +
    line('M288,55 Q268,92 282,122', ink, 2);
  const back =
    line('M128,78 L182,78 L182,118 L128,118 Z', ink, 2) + line('M218,78 L272,78 L272,118 L218,118 Z', ink, 2);
  return { pieces: [body, band], details: (side === 'front' ? front : back) + creases };
}

function skirt(side: Side, ink: string): GarmentShape {
  const body = 'M128,48 L272,48 L352,420 Q200,448 48,420 Z';
  const band = 'M128,48 L272,48 L274,78 L126,78 Z';
  const pleats = [
    line('M165,78 L128,428', ink, 2),
    line('M200,78 L200,434', ink, 2),
    line('M235,78 L272,428', ink, 2),
  ];
  const zip = side === 'back' ? line('M214,78 L214,170', ink, 3) : '';
  return { pieces: [body, band], details: pleats.join('') + zip };
}

function jacket(side: Side, ink: string): GarmentShape {
  const body =
    'M145,30 Q200,52 255,30 L335,52 L398,410 L345,424 L318,200 L318,486 L82,486 L82,200 L55,424 L2,410 L65,52 Z';
  const cuffs = line('M342,400 L394,387', ink, 3) + line('M58,400 L6,387', ink, 3);
  if (side === 'back') {
    return {
      pieces: [body, 'M145,30 Q200,52 255,30 L258,50 Q200,74 142,50 Z'],
      details: line('M200,62 L200,486', ink, 2) + line('M200,430 L200,486', ink, 5) + cuffs,
    };
  }
  const lapels = [
    'M145,30 L198,235 L150,140 L118,104 L138,78 Z',
    'M255,30 L202,235 L250,140 L282,104 L262,78 Z',
  ];
  const pockets = line('M100,380 L170,380', ink, 4) + line('M230,380 L300,380', ink, 4);
  const buttons = button(214, 292, ink, 9) + button(214, 362, ink, 9);
  return {
    pieces: [body, ...lapels],
    details: line('M200,235 L200,486', ink, 3) + pockets + buttons + cuffs,
  };
}

const SHAPES: Record<GarmentType, (side: Side, ink: string) => GarmentShape> = {
  't-shirt': tShirt,
  shirt,
  dress,
  trousers,
  skirt,
  jacket,
};

/** The outline of a garment seen from the front or the back, with its details drawn in `ink`. */
export function garmentShape(type: GarmentType, side: Side, ink: string): GarmentShape {
  return SHAPES[type](side, ink);
}
