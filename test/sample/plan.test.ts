import { describe, expect, it } from 'vitest';
import { InputError } from '#core/errors.ts';
import { planSampleProducts } from '#samples/generator/plan.ts';

describe('planSampleProducts', () => {
  it('plans 30 distinct products by default, the first a red striped shirt', () => {
    // Prepare: defaults

    // Act
    const products = planSampleProducts();

    // Assess
    expect(products).toHaveLength(30);
    expect(products[0]).toMatchObject({
      id: 's001',
      name: 'Red striped shirt',
      category: 'tops',
      color: 'red',
    });
    expect(new Set(products.map((p) => `${p.type}/${p.color}/${p.pattern}`)).size).toBe(30);
    expect(new Set(products.map((p) => p.category))).toEqual(
      new Set(['tops', 'bottoms', 'dresses', 'outerwear']),
    );
    expect(products.every((p) => p.images.length === 3 && p.price > 0)).toBe(true);
    const backgrounds = products.flatMap((p) => p.images.map((i) => i.background));
    const busy = backgrounds.filter((b) => b === 'busy').length;
    expect(busy).toBeGreaterThan(5);
    expect(busy).toBeLessThan(backgrounds.length / 2);
  });

  it('breaks exactly one image of the second product unless told not to', () => {
    // Prepare
    const options = [{}, { brokenImage: false }];

    // Act
    const [withBroken, without] = options.map((o) => planSampleProducts(o));

    // Assess
    const missing = withBroken?.flatMap((p) => p.images.filter((i) => i.missing).map((i) => [p.id, i.file]));
    expect(missing).toEqual([['s002', 's002-back-missing.jpg']]);
    expect(without?.some((p) => p.images.some((i) => i.missing))).toBe(false);
  });

  it('gives the same first products whatever the count', () => {
    // Prepare
    const counts = [5, 40];

    // Act
    const [few, many] = counts.map((products) => planSampleProducts({ products }));

    // Assess
    expect(many?.slice(0, 5)).toEqual(few);
  });

  it.each([0, 201, 1.5])('refuses %s products', (products) => {
    // Prepare: products from the table

    // Act
    const attempt = () => planSampleProducts({ products });

    // Assess
    expect(attempt).toThrow(InputError);
    expect(attempt).toThrow(`products must be a whole number from 1 to 200, got ${products}`);
  });
});
