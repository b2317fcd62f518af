import { describe, expect, it } from 'vitest';
import { compositeOnBackground, garmentFraction } from '#core/image/composite.ts';
import { Random } from '#core/random.ts';

const GREEN = [0, 177, 64] as const;

describe('compositeOnBackground', () => {
  it('keeps garment pixels, paints background pixels the flat colour and blends soft edges', () => {
    // Prepare: a 3x1 image of grey pixels with mask full, empty, half
    const image = {
      data: new Uint8Array([100, 100, 100, 100, 100, 100, 100, 100, 100]),
      width: 3,
      height: 1,
    };
    const mask = { data: new Uint8Array([255, 0, 128]), width: 3, height: 1 };

    // Act
    const out = compositeOnBackground(image, mask, GREEN);

    // Assess
    expect([...out.data.slice(0, 3)]).toEqual([100, 100, 100]);
    expect([...out.data.slice(3, 6)]).toEqual([0, 177, 64]);
    expect([...out.data.slice(6, 9)]).toEqual([50, 138, 82]);
  });

  it('refuses a mask of another size', () => {
    const image = { data: new Uint8Array(12), width: 2, height: 2 };
    const mask = { data: new Uint8Array(2), width: 2, height: 1 };
    expect(() => compositeOnBackground(image, mask, GREEN)).toThrow(/mask is 2x1 but image is 2x2/);
  });
});

describe('garmentFraction', () => {
  it('counts pixels at or above half opacity', () => {
    expect(garmentFraction({ data: new Uint8Array([0, 127, 128, 255]), width: 4, height: 1 })).toBe(0.5);
  });

  it('equals a plain count on random masks of every length and alignment', () => {
    const random = new Random(11);
    const buffer = new Uint8Array(1031);
    for (let i = 0; i < buffer.length; i++) buffer[i] = random.int(0, 255);
    for (const offset of [0, 1, 2, 3]) {
      for (const length of [0, 1, 3, 4, 5, 64, 1027]) {
        const data = buffer.subarray(offset, offset + length);
        const plain = data.length === 0 ? 0 : data.filter((v) => v >= 128).length / data.length;
        expect(garmentFraction({ data, width: length, height: 1 }), `${offset}+${length}`).toBe(plain);
      }
    }
  });
});
