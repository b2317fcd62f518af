import { describe, expect, it } from 'vitest';
import { InputError } from '#core/errors.ts';
import { vocabularyHash } from '#core/tags/prompts.ts';
import { computeTagEmbeddings, encodeTagEmbeddings, parseTagEmbeddings } from '#core/tags/tag-embeddings.ts';
import { tagVector } from '#core/tags/tagger.ts';
import { productVector, STAND_IN_DIM, standInTextTower } from './stand-in-vectors.ts';

// Tagging with a stand-in text tower whose vectors are built so each product's tags and margins are known exactly.

const embeddings = await computeTagEmbeddings(standInTextTower());

/** Red (0.5, blue 0.3 behind it), a shirt with nothing close, and nearly as plain as striped. */
const redShirt = productVector({
  colour: { red: 0.5, blue: 0.3 },
  type: { shirt: 0.3 },
  pattern: { striped: 0.4, plain: 0.395 },
});

describe('tagVector', () => {
  it('keeps, per group, the nearest value and its margin over the runner-up when the margin clears the threshold', () => {
    // Act
    const tags = tagVector(redShirt, embeddings, 0.01);
    // Assess
    expect(tags).toEqual({
      colour: { value: 'red', margin: 0.2 },
      type: { value: 'shirt', margin: 0.3 },
    });
  });

  it('keeps a close call only under a lower threshold, and drops everything under a higher one', () => {
    // Act
    const low = tagVector(redShirt, embeddings, 0.005);
    const high = tagVector(redShirt, embeddings, 0.25);
    // Assess
    expect(low.pattern).toEqual({ value: 'striped', margin: 0.005 });
    expect(Object.keys(low).sort()).toEqual(['colour', 'pattern', 'type']);
    expect(high).toEqual({ type: { value: 'shirt', margin: 0.3 } });
  });

  it('tags nothing in a group whose best values tie, even with a threshold of 0', () => {
    // Prepare
    const tie = productVector({ colour: { red: 0.4, green: 0.4 } });
    // Act
    const tags = tagVector(tie, embeddings, 0);
    // Assess
    expect(tags).toEqual({});
  });

  it('scores a value as the mean of its prompt templates, one text-tower call for the whole vocabulary', async () => {
    // Prepare
    const tower = standInTextTower();
    // Act
    const computed = await computeTagEmbeddings(tower);
    // Assess
    expect(tower.calls).toHaveLength(1);
    expect(tower.calls[0]).toContain('a photo of a red garment');
    expect(tower.calls[0]).toContain('a red garment');
    expect(computed.hash).toBe(vocabularyHash());
    expect(computed.groups.map((g) => g.name)).toEqual(embeddings.groups.map((g) => g.name));
  });
});

describe('the cached tag vectors', () => {
  const expected = { model: 'stand-in-model', dim: STAND_IN_DIM, hash: vocabularyHash() };

  it('read back as written, tagging the same', () => {
    // Act
    const back = parseTagEmbeddings(encodeTagEmbeddings(embeddings), 'runs/tag-vocabulary.json', expected);
    // Assess
    expect(tagVector(redShirt, back, 0.01)).toEqual(tagVector(redShirt, embeddings, 0.01));
    expect(back.groups[1]?.values[0]?.vector).toEqual(embeddings.groups[1]?.values[0]?.vector);
  });

  it.each([
    ['another model', { ...expected, model: 'other' }, /holds stand-in-model .* expected other/],
    [
      'another vocabulary',
      { ...expected, hash: '0123456789abcdef' },
      /expected stand-in-model \(64-d, vocabulary 0123/,
    ],
  ])('are refused for %s', (_, expect2, message) => {
    // Act
    const error = (() => {
      try {
        return parseTagEmbeddings(encodeTagEmbeddings(embeddings), 'k.json', expect2);
      } catch (e) {
        return e;
      }
    })();
    // Assess
    expect(error).toBeInstanceOf(InputError);
    expect(String(error)).toMatch(message);
  });

  it('are refused, naming the key, when they do not parse', () => {
    expect(() => parseTagEmbeddings(new TextEncoder().encode('{"format":1}'), 'k.json', expected)).toThrow(
      /tag vocabulary k\.json is invalid/,
    );
  });
});
