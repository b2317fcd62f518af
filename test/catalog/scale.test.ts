import { describe, expect, it } from 'vitest';
import { parseCatalog } from '#core/catalog/parse.ts';

describe('catalog scale', () => {
  it('parses a 140,000-line URL list into 46,667 products with unique ids', () => {
    // Prepare
    const lines = Array.from(
      { length: 140_000 },
      (_, i) => `https://cdn.example.com/catalog/${Math.floor(i / 3)}/view-${i % 3}.jpg`,
    );
    const text = lines.join('\r\n');

    // Act
    const result = parseCatalog(text, { file: 'big.txt' });

    // Assess
    expect(result.products).toHaveLength(46_667);
    expect(result.products[46_666]?.images).toEqual([lines[139_998], lines[139_999]]);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toHaveLength(1);
    expect(new Set(result.products.map((p) => p.id)).size).toBe(46_667);
  });
});
