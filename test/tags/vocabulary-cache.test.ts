import { beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { tagVocabularyKey } from '#core/contracts/run-layout.ts';
import type { ImageEmbedder, TextEmbedder } from '#core/ports/models.ts';
import { vocabularyHash } from '#core/tags/prompts.ts';
import { loadTagging } from '#functions/aggregate/tagging.ts';
import { createEmbedHandler } from '#functions/embed/handler.ts';
import { ensureTagVocabulary, forgetTagVocabularyCache } from '#functions/embed/vocabulary-cache.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';
import { productVector, STAND_IN_DIM, standInTextTower } from './stand-in-vectors.ts';

// The embed stage (which has the text tower) caches the vocabulary's text vectors once per model; the aggregate
// step (a zip function without models) reads them.

const MODEL = 'stand-in-model';
const KEY = tagVocabularyKey(MODEL, vocabularyHash());
const newDir = tempDirs('vocabulary-cache');

const imageTower: ImageEmbedder = {
  modelId: MODEL,
  dim: STAND_IN_DIM,
  embedImages: async (images) => images.map(() => productVector({})),
};

/** A text tower getter that counts how often it is opened. */
function towerGetter(tower: TextEmbedder = standInTextTower()) {
  const opened = { count: 0 };
  return {
    opened,
    get: async () => {
      opened.count++;
      return tower;
    },
  };
}

async function stageDeps(tagTextTower?: () => Promise<TextEmbedder>) {
  const blobs = new FsBlobStore(await newDir());
  // No type annotation: the embed stage's own fields may change beside this test.
  const deps = { blobs, embedder: imageTower, maxPixels: 50e6, background: [0, 177, 64] as const };
  return { blobs, deps: tagTextTower ? { ...deps, tagTextTower } : deps };
}

beforeEach(() => forgetTagVocabularyCache());

describe('ensureTagVocabulary', () => {
  it('writes the text vectors when absent, and the aggregate step tags with them', async () => {
    // Prepare
    const tower = towerGetter();
    const { blobs, deps } = await stageDeps(tower.get);
    // Act
    const outcome = await ensureTagVocabulary(deps);
    const tagging = await loadTagging(blobs, { modelId: MODEL, dim: STAND_IN_DIM }, 0.01);
    // Assess
    expect(outcome).toEqual({ status: 'written', key: KEY });
    expect(tower.opened.count).toBe(1);
    expect(tagging.summary.skipped).toBeUndefined();
    expect(tagging.tag?.(productVector({ pattern: { checked: 0.6, floral: 0.1 } }))).toEqual({
      pattern: { value: 'checked', margin: 0.5 },
    });
  });

  it('never opens the text tower when the vectors are there, and checks the store once per process', async () => {
    // Prepare
    const first = await stageDeps(towerGetter().get);
    await ensureTagVocabulary(first.deps);
    forgetTagVocabularyCache();
    const tower = towerGetter();
    const deps = { ...first.deps, tagTextTower: tower.get };
    let listings = 0;
    const list = deps.blobs.list.bind(deps.blobs);
    deps.blobs.list = async (prefix) => {
      listings++;
      return list(prefix);
    };
    // Act
    const outcomes = [await ensureTagVocabulary(deps), await ensureTagVocabulary(deps)];
    // Assess
    expect(outcomes).toEqual([
      { status: 'present', key: KEY },
      { status: 'present', key: KEY },
    ]);
    expect(tower.opened.count).toBe(0);
    expect(listings).toBe(1);
  });

  it('computes once when batches of one process ask at the same time', async () => {
    // Prepare
    const tower = towerGetter();
    const { deps } = await stageDeps(tower.get);
    // Act
    const outcomes = await Promise.all([1, 2, 3].map(() => ensureTagVocabulary(deps)));
    // Assess
    expect(outcomes.map((o) => o.status)).toEqual(['written', 'written', 'written']);
    expect(tower.opened.count).toBe(1);
  });

  it('reports, never throws, when the text tower fails to load or belongs to another model', async () => {
    // Prepare
    const failing = await stageDeps(async () => Promise.reject(new Error('out of memory')));
    const other = await stageDeps(towerGetter(standInTextTower('other-model')).get);
    // Act
    const outcomes = [await ensureTagVocabulary(failing.deps), await ensureTagVocabulary(other.deps)];
    // Assess
    expect(outcomes[0]).toEqual({ status: 'failed', key: KEY, error: 'out of memory' });
    expect(outcomes[1]).toMatchObject({ status: 'skipped', reason: expect.stringContaining('other-model') });
    expect(await failing.blobs.list('runs/')).toEqual([]);
  });
});

describe('the embed handler', () => {
  const event = {
    runId: 'run-1',
    items: [
      {
        id: 'p1',
        metadata: {},
        images: [{ url: 'https://img.example/p1.jpg', status: 'failed', reason: 'not_found', detail: '404' }],
      },
    ],
  };

  it('caches the vocabulary after embedding a batch, where it has a text tower', async () => {
    // Prepare
    const { blobs, deps } = await stageDeps(towerGetter().get);
    const handler = createEmbedHandler(deps);
    // Act
    const result = await handler(event, {} as never);
    // Assess
    expect(result.products).toBe(1);
    expect(await blobs.list(KEY)).toEqual([KEY]);
  });

  it('embeds as before without one, caching nothing', async () => {
    // Prepare
    const { blobs, deps } = await stageDeps();
    const handler = createEmbedHandler(deps);
    // Act
    const result = await handler(event, {} as never);
    // Assess
    expect(result.products).toBe(1);
    expect(await blobs.list(KEY)).toEqual([]);
  });
});
