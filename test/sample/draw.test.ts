import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { InputError } from '#core/errors.ts';
import { drawGarment, type GarmentSpec } from '#samples/generator/draw.ts';
import { GARMENT_TYPES } from '#samples/generator/palette.ts';

const base: GarmentSpec = { type: 'shirt', color: 'red', pattern: 'stripes', seed: 7 };

// Mean and standard deviation over all RGB values of a square region.
async function region(image: Buffer, left: number, top: number, size: number) {
  const { data } = await sharp(image)
    .extract({ left, top, width: size, height: size })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const mean = data.reduce((s, v) => s + v, 0) / data.length;
  const variance = data.reduce((s, v) => s + (v - mean) ** 2, 0) / data.length;
  return { mean, stdev: Math.sqrt(variance) };
}

describe('drawGarment', () => {
  it.each(GARMENT_TYPES)('renders a %s as a decodable 480 x 600 JPEG', async (type) => {
    // Prepare
    const spec: GarmentSpec = { ...base, type };

    // Act
    const image = await drawGarment(spec);

    // Assess
    const meta = await sharp(image).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['jpeg', 480, 600, 3]);
    const [corner, centre] = await Promise.all([region(image, 0, 0, 40), region(image, 200, 250, 80)]);
    expect(Math.abs(centre.mean - corner.mean)).toBeGreaterThan(40);
  });

  it('renders PNG at a requested size', async () => {
    // Prepare
    const spec: GarmentSpec = { ...base, format: 'png', width: 400, height: 520 };

    // Act
    const image = await drawGarment(spec);

    // Assess
    const meta = await sharp(image).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 400, 520]);
  });

  it('draws the same bytes for the same spec and different ones for another seed or view', async () => {
    // Prepare
    const specs: GarmentSpec[] = [base, base, { ...base, seed: 8 }, { ...base, view: 'back' }];

    // Act
    const [a, b, otherSeed, back] = await Promise.all(specs.map(drawGarment));

    // Assess
    expect(a?.equals(b as Buffer)).toBe(true);
    expect(a?.equals(otherSeed as Buffer)).toBe(false);
    expect(a?.equals(back as Buffer)).toBe(false);
  });

  it('makes a busy background far more varied than a studio one', async () => {
    // Prepare
    const studio: GarmentSpec = { ...base, background: 'studio' };
    const busy: GarmentSpec = { ...base, background: 'busy' };

    // Act
    const [plain, noisy] = await Promise.all([drawGarment(studio), drawGarment(busy)]);

    // Assess
    const [quiet, loud] = await Promise.all([region(plain, 0, 0, 60), region(noisy, 0, 0, 60)]);
    expect(quiet.mean).toBeGreaterThan(225);
    expect(quiet.stdev).toBeLessThan(3);
    expect(loud.stdev).toBeGreaterThan(10);
  });

  it.each([
    [
      { type: 'hat' },
      'drawGarment: unknown type "hat" (expected one of: t-shirt, shirt, dress, trousers, skirt, jacket)',
    ],
    [{ color: 'teal' }, 'drawGarment: unknown color "teal"'],
    [{ width: 10 }, 'drawGarment: width must be a whole number of pixels from 64 to 2048, got 10'],
  ])('refuses the bad spec %j', async (override, message) => {
    // Prepare
    const spec = { ...base, ...override } as GarmentSpec;

    // Act
    const attempt = drawGarment(spec);

    // Assess
    await expect(attempt).rejects.toThrow(InputError);
    await expect(attempt).rejects.toThrow(message);
  });
});
