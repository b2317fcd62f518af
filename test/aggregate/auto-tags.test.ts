import { describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { TAG_MARGIN_DEFAULT } from '#core/config.ts';
import { tagVocabularyKey } from '#core/contracts/run-layout.ts';
import { vocabularyHash } from '#core/tags/prompts.ts';
import { computeTagEmbeddings, encodeTagEmbeddings } from '#core/tags/tag-embeddings.ts';
import { encodeVector } from '#core/vector-codec.ts';
import { runAggregate } from '#functions/aggregate/run-aggregate.ts';
import type { EmbeddedProduct } from '#functions/aggregate/types.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';
import { productVector, STAND_IN_DIM, standInTextTower } from '#test/tags/stand-in-vectors.ts';

// The aggregate step tags each stored product from its vector and the text vectors the embed stage cached.

const MODEL = { modelId: 'stand-in-model', dim: STAND_IN_DIM };
const KEY = tagVocabularyKey(MODEL.modelId, vocabularyHash());
const newDir = tempDirs('aggregate-tags');

/** A product with one embedded image whose vector gives the cosines asked for. */
function product(id: string, cosines: Parameters<typeof productVector>[0], metadata = {}): EmbeddedProduct {
  const url = `https://img.example/${id}.jpg`;
  const vector = encodeVector(productVector(cosines));
  return { id, metadata, images: [{ url, status: 'embedded', originalKey: `originals/${id}.jpg`, vector }] };
}

const products = [
  product('red-shirt', { colour: { red: 0.5, blue: 0.3 }, type: { shirt: 0.3 } }, { color: 'blue' }),
  product('striped', { pattern: { striped: 0.4, plain: 0.395 } }),
];

async function run(options: { cached?: boolean; tagMargin?: number } = {}) {
  const blobs = new FsBlobStore(await newDir());
  if (options.cached !== false) {
    await blobs.put(KEY, encodeTagEmbeddings(await computeTagEmbeddings(standInTextTower())));
  }
  const store = new MemoryVectorStore();
  const batches = [
    { key: 'b0', read: async () => ({ runId: 'r1', model: MODEL.modelId, dim: MODEL.dim, products }) },
  ];
  const summary = await runAggregate(
    { runId: 'r1', batches },
    { store, blobs, ...MODEL, ...(options.tagMargin !== undefined && { tagMargin: options.tagMargin }) },
  );
  return { store, summary };
}

describe('auto-tags in the aggregate step', () => {
  it('stores each product with its tags and margins, apart from its catalog metadata', async () => {
    // Act
    const { store, summary } = await run();
    // Assess
    const red = await store.get('red-shirt');
    expect(red?.autoTags).toEqual({
      colour: { value: 'red', margin: 0.2 },
      type: { value: 'shirt', margin: 0.3 },
    });
    expect(red?.metadata).toEqual({ color: 'blue' });
    expect((await store.get('striped'))?.autoTags).toBeUndefined();
    expect(summary.autoTags).toEqual({
      key: KEY,
      threshold: TAG_MARGIN_DEFAULT,
      productsTagged: 1,
      byGroup: { colour: 1, type: 1 },
    });
  });

  it('keeps a close call when THREADFINDER_TAG_MARGIN is lowered below its margin', async () => {
    // Act
    const { store, summary } = await run({ tagMargin: 0.005 });
    // Assess
    expect((await store.get('striped'))?.autoTags).toEqual({ pattern: { value: 'striped', margin: 0.005 } });
    expect(summary.autoTags?.byGroup).toEqual({ colour: 1, type: 1, pattern: 1 });
  });

  it('stores the products untagged, and says why, when no text vectors are cached for the model', async () => {
    // Act
    const { store, summary } = await run({ cached: false });
    // Assess
    expect((await store.get('red-shirt'))?.autoTags).toBeUndefined();
    expect(summary.productsStored).toBe(2);
    expect(summary.autoTags?.skipped).toContain(`no tag vocabulary vectors at ${KEY}`);
  });
});
