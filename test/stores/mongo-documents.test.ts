import { Binary, BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  facetsOf,
  fromProductDocument,
  type ProductDocument,
  toProductDocument,
} from '#adapters/mongo/documents.ts';
import { checkRecord } from '#core/product-record.ts';
import type { ProductRecord } from '#core/types.ts';
import { normalize } from '#core/vectors.ts';

const record = (overrides: Partial<ProductRecord> = {}): ProductRecord => ({
  id: 'p1',
  vector: normalize([0.1, 0.2, 0.3, 0.7]),
  images: ['https://img.example/a.jpg', 'https://img.example/b.jpg'],
  maskedKeys: ['masked/a.png', undefined],
  metadata: { name: 'Linen shirt', category: 'Shirts', color: 'Sky Blue', price: 19.99 },
  imagesUsed: 1,
  ...overrides,
});

/** What a document looks like after a trip through the wire format. */
const throughBson = (doc: ProductDocument): ProductDocument =>
  BSON.deserialize(BSON.serialize(doc)) as unknown as ProductDocument;

describe('ProductDocument mapping', () => {
  it('round-trips a record through BSON with a bit-identical float32 vector', () => {
    // Prepare
    const original = record();
    // Act
    const back = fromProductDocument(throughBson(toProductDocument(checkRecord(original, 4, 0))));
    // Assess
    expect(back).toEqual({ ...original, vector: expect.any(Float32Array) });
    expect(back.vector).toBeInstanceOf(Float32Array);
    expect(Array.from(back.vector)).toEqual(Array.from(original.vector));
  });

  it('stores the vector as a plain number array and missing masked images as null', () => {
    // Act
    const doc = toProductDocument(checkRecord(record(), 4, 0));
    // Assess
    expect(Array.isArray(doc.vector)).toBe(true);
    expect(doc._id).toBe('p1');
    expect(doc.maskedKeys).toEqual(['masked/a.png', null]);
  });

  it('leaves maskedKeys out when the record has none', () => {
    // Prepare
    const { maskedKeys: _, ...bare } = record();
    // Act
    const back = fromProductDocument(throughBson(toProductDocument(checkRecord(bare, 4, 0))));
    // Assess
    expect(back).not.toHaveProperty('maskedKeys');
  });

  it('reads a vector stored as a BSON float32 vector', () => {
    // Prepare
    const doc = { ...toProductDocument(checkRecord(record(), 4, 0)) } as unknown as Record<string, unknown>;
    doc.vector = Binary.fromFloat32Array(record().vector);
    // Act
    const back = fromProductDocument(throughBson(doc as unknown as ProductDocument));
    // Assess
    expect(Array.from(back.vector)).toEqual(Array.from(record().vector));
  });

  it('refuses a stored document without a readable vector, naming it', () => {
    // Prepare
    const doc = {
      ...toProductDocument(checkRecord(record(), 4, 0)),
      vector: 'oops',
    } as unknown as ProductDocument;
    // Act + Assess
    expect(() => fromProductDocument(doc)).toThrow('"p1"');
  });
});

describe('facetsOf', () => {
  it('lower-cases category and color (numbers as text) and keeps a numeric price', () => {
    // Act + Assess
    expect(facetsOf({ category: 'Shirts', color: 'PINK', price: 35.5, name: 'x' })).toEqual({
      category: 'shirts',
      color: 'pink',
      price: 35.5,
    });
    expect(facetsOf({ category: 42, color: 'Red' })).toEqual({ category: '42', color: 'red' });
  });

  it('has no price facet for a missing or textual price, so price filters leave those products out', () => {
    // Act + Assess
    expect(facetsOf({ price: '20' })).toEqual({});
    expect(facetsOf({})).toEqual({});
  });

  it('keeps auto-tags apart from metadata, with lower-cased filter copies under facets.tags', () => {
    // Prepare
    const autoTags = { colour: { value: 'Red', margin: 0.04 }, pattern: { value: 'striped', margin: 0.02 } };
    // Act
    const doc = toProductDocument(checkRecord(record({ autoTags }), 4, 0));
    const back = fromProductDocument(throughBson(doc));
    // Assess
    expect(doc.autoTags).toEqual(autoTags);
    expect(doc.facets).toEqual({
      category: 'shirts',
      color: 'sky blue',
      price: 19.99,
      tags: { colour: 'red', pattern: 'striped' },
    });
    expect(doc.metadata).toEqual(record().metadata);
    expect(back.autoTags).toEqual(autoTags);
    expect(facetsOf({ color: 'Red' })).not.toHaveProperty('tags');
  });
});
