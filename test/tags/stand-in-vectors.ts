import { tagPrompts } from '#core/tags/prompts.ts';
import { TAG_VOCABULARY } from '#core/tags/vocabulary.ts';
import { FakeTextEmbedder } from '#test/support/fake-text-embedder.ts';

/**
 * Vectors built to give known tags. Each vocabulary value owns one axis (values in vocabulary order: type's first,
 * colour's next, ...), and the stand-in text tower maps every prompt of a value to its axis, so a product vector's
 * cosine with a value's text vector is exactly its component on that axis. The last axis holds the rest of a
 * product vector's length, which no value sees.
 */
export const STAND_IN_DIM = 64;

const axes = new Map<string, number>();
for (const group of TAG_VOCABULARY)
  for (const value of group.values) axes.set(`${group.name}=${value}`, axes.size);
if (axes.size >= STAND_IN_DIM) throw new Error(`the vocabulary has ${axes.size} values: raise STAND_IN_DIM`);

/** The axis of one value. */
export function axisOf(group: string, value: string): number {
  const axis = axes.get(`${group}=${value}`);
  if (axis === undefined) throw new Error(`no value ${group}=${value} in the vocabulary`);
  return axis;
}

/** A text tower whose vector for every prompt of a value is that value's axis. */
export function standInTextTower(modelId = 'stand-in-model'): FakeTextEmbedder {
  const chosen: Record<string, number[]> = {};
  for (const p of tagPrompts()) {
    const v = new Array<number>(STAND_IN_DIM).fill(0);
    v[axisOf(p.group, p.value)] = 1;
    for (const text of p.texts) chosen[text] = v;
  }
  return new FakeTextEmbedder(modelId, STAND_IN_DIM, chosen);
}

/**
 * A unit product vector with the given cosines to values (`{ colour: { red: 0.5, blue: 0.3 } }`); every other
 * value's cosine is 0. Throws when the cosines ask for more than unit length.
 */
export function productVector(cosines: Record<string, Record<string, number>>): Float32Array {
  const v = new Float32Array(STAND_IN_DIM);
  let sum = 0;
  for (const [group, values] of Object.entries(cosines)) {
    for (const [value, cosine] of Object.entries(values)) {
      v[axisOf(group, value)] = cosine;
      sum += cosine * cosine;
    }
  }
  if (sum > 1) throw new Error(`cosines ask for length ${Math.sqrt(sum)}, above 1`);
  v[STAND_IN_DIM - 1] = Math.sqrt(1 - sum);
  return v;
}
