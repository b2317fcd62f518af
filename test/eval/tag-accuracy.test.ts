import { describe, expect, it } from 'vitest';
import { type TaggedProduct, tagAccuracy } from '#cli/eval/tag-accuracy.ts';

// Tag accuracy: auto-tags against the catalog's own columns, worked out by hand.

const tag = (value: string, margin = 0.02) => ({ value, margin });

describe('tagAccuracy', () => {
  it('compares each tagged group with its column through the vocabulary spellings, counting what it cannot compare', () => {
    // Prepare: the sample's spellings (garment, color, stripes/solid), one colour the vocabulary lacks.
    const products: TaggedProduct[] = [
      {
        metadata: { garment: 'shirt', color: 'Red', pattern: 'stripes' },
        autoTags: { type: tag('shirt'), colour: tag('red'), pattern: tag('striped', 0.05) },
      },
      {
        metadata: { garment: 'dress', color: 'gray', pattern: 'solid' },
        autoTags: { type: tag('skirt'), colour: tag('grey'), pattern: tag('plain', 0.05) },
      },
      {
        metadata: { garment: 'shirt', color: 'teal', pattern: 'dots' },
        autoTags: { colour: tag('green'), pattern: tag('checked') },
      },
      { metadata: { garment: 'jeans', color: 'teal' }, autoTags: {} },
    ];
    // Act
    const result = tagAccuracy(products);
    // Assess
    if ('skipped' in result) throw new Error(result.skipped);
    expect(result.rows.map((r) => r.group)).toEqual(['type', 'colour', 'pattern']);
    expect(result.rows[0]).toEqual({
      group: 'type',
      columns: ['garment'],
      products: 4,
      comparable: 4,
      tagged: 2,
      agreeing: 1,
      coverage: 0.5,
      agreement: 0.5,
      chance: 1 / 11,
      notInVocabulary: [],
    });
    expect(result.rows[1]).toMatchObject({
      columns: ['color'],
      products: 4,
      comparable: 2,
      tagged: 2,
      agreeing: 2,
      agreement: 1,
      notInVocabulary: ['teal'],
    });
    expect(result.rows[2]).toMatchObject({ products: 3, comparable: 3, tagged: 3, agreeing: 2 });
    expect(result.all).toMatchObject({ group: 'all', products: 11, comparable: 9, tagged: 7, agreeing: 5 });
    expect(result.all.agreement).toBeCloseTo(5 / 7, 12);
    expect(result.byMargin.slice(0, 4)).toEqual([
      { margin: 0.01, tagged: 7, agreement: 5 / 7 },
      { margin: 0.02, tagged: 7, agreement: 5 / 7 },
      { margin: 0.03, tagged: 2, agreement: 1 },
      { margin: 0.05, tagged: 2, agreement: 1 },
    ]);
  });

  it('is skipped, saying why, for a catalog without any vocabulary column or an index without tags', () => {
    expect(tagAccuracy([{ metadata: { name: 'x' }, autoTags: { colour: tag('red') } }])).toEqual({
      skipped: expect.stringContaining(
        "the catalog has none of the vocabulary's columns (garment, type, color",
      ),
    });
    expect(tagAccuracy([{ metadata: { color: 'red' } }])).toEqual({
      skipped: expect.stringContaining('no product is auto-tagged'),
    });
  });
});
