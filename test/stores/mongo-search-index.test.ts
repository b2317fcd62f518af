import type { Collection, Document, SearchIndexDescription } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { type SearchIndexState, waitForSearchIndex } from '#adapters/mongo/index-wait.ts';
import {
  definitionMatches,
  ensureVectorIndex,
  vectorIndexDefinition,
  vectorIndexDescription,
} from '#adapters/mongo/search-index.ts';
import { ThreadfinderError } from '#core/errors.ts';

describe('vectorIndexDescription', () => {
  it('is a vectorSearch index on the vector field with the model dimension and pre-filter fields', () => {
    // Act
    const description = vectorIndexDescription('threadfinder_vectors', 768);
    // Assess
    expect(description.name).toBe('threadfinder_vectors');
    expect(description.type).toBe('vectorSearch');
    expect(description.definition.fields).toEqual([
      { type: 'vector', path: 'vector', numDimensions: 768, similarity: 'dotProduct' },
      { type: 'filter', path: '_id' },
      { type: 'filter', path: 'facets.category' },
      { type: 'filter', path: 'facets.color' },
      { type: 'filter', path: 'facets.price' },
      // The auto-tag of every vocabulary group, so a tag filter is a pre-filter (test/stores/auto-tags.test.ts).
      ...['type', 'colour', 'pattern', 'sleeve', 'neckline', 'fit', 'length', 'material', 'occasion'].map(
        (group) => ({ type: 'filter', path: `facets.tags.${group}` }),
      ),
    ]);
  });
});

describe('definitionMatches', () => {
  const wanted = vectorIndexDefinition(512);

  it('accepts the same definition in another order and with settings Atlas adds', () => {
    // Prepare
    const [vector, ...filters] = wanted.fields;
    const actual = { fields: [...filters.reverse(), { ...vector, quantization: 'none' }] };
    // Act + Assess
    expect(definitionMatches(actual, wanted)).toBe(true);
  });

  it.each([
    ['another dimension', { fields: vectorIndexDefinition(768).fields }],
    [
      'another similarity',
      { fields: wanted.fields.map((f) => (f.type === 'vector' ? { ...f, similarity: 'cosine' } : f)) },
    ],
    ['a missing filter field', { fields: wanted.fields.slice(0, -1) }],
    ['no definition', undefined],
  ])('refuses %s', (_what, actual) => {
    // Act + Assess
    expect(definitionMatches(actual, wanted)).toBe(false);
  });
});

/** A fake clock and a scripted `listSearchIndexes`: each poll returns the next state (the last one repeats). */
function scripted(states: (Partial<SearchIndexState> | null)[]) {
  let time = 0;
  let polls = 0;
  return {
    get polls() {
      return polls;
    },
    options: {
      name: 'threadfinder_vectors',
      where: 'shop.products',
      timeoutMs: 10_000,
      pollMs: 1_000,
      now: () => time,
      sleep: async (ms: number) => {
        time += ms;
      },
      list: async (): Promise<SearchIndexState[]> => {
        const state = states[Math.min(polls++, states.length - 1)];
        return state === null || state === undefined ? [] : [{ name: 'threadfinder_vectors', ...state }];
      },
    },
  };
}

describe('waitForSearchIndex', () => {
  it('waits through PENDING and BUILDING until the index is READY and queryable', async () => {
    // Prepare
    const fake = scripted([
      null,
      { status: 'PENDING', queryable: false },
      { status: 'BUILDING', queryable: false },
      { status: 'READY', queryable: true },
    ]);
    // Act
    await waitForSearchIndex(fake.options);
    // Assess
    expect(fake.polls).toBe(4);
  });

  it('fails at once when Atlas reports FAILED, naming the index, the collection and the status', async () => {
    // Prepare
    const fake = scripted([{ status: 'BUILDING' }, { status: 'FAILED', queryable: false }]);
    // Act
    const error = await waitForSearchIndex(fake.options).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ThreadfinderError);
    expect(String(error)).toContain('"threadfinder_vectors"');
    expect(String(error)).toContain('shop.products');
    expect(String(error)).toContain('FAILED');
    expect(fake.polls).toBe(2);
  });

  it('gives up after the timeout, naming the index and the status it was stuck in', async () => {
    // Prepare
    const fake = scripted([{ status: 'BUILDING', queryable: false }]);
    // Act
    const error = await waitForSearchIndex(fake.options).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ThreadfinderError);
    expect(String(error)).toMatch(
      /"threadfinder_vectors" on shop\.products is not queryable after 10 s \(status BUILDING\)/,
    );
    expect(fake.polls).toBe(11);
  });

  it('keeps waiting while a READY index still has an older definition', async () => {
    // Prepare
    const old = { status: 'READY', queryable: true, latestDefinition: { v: 1 } };
    const fake = scripted([old, old, { ...old, latestDefinition: { v: 2 } }]);
    // Act
    await waitForSearchIndex({ ...fake.options, isCurrent: (index) => index.latestDefinition?.v === 2 });
    // Assess
    expect(fake.polls).toBe(3);
  });

  it('does not accept READY while Atlas says the index is not queryable', async () => {
    // Prepare
    const fake = scripted([{ status: 'READY', queryable: false }]);
    // Act
    const error = await waitForSearchIndex(fake.options).catch((e: unknown) => e);
    // Assess
    expect(String(error)).toContain('not queryable');
  });
});

/** The search-index subset of a Collection, recording what was asked of it. */
function fakeCollection(existing: SearchIndexState[], failCreate?: unknown, hiddenListings = 0) {
  const calls: string[] = [];
  const indexes = [...existing];
  let listings = 0;
  const collection = {
    dbName: 'shop',
    collectionName: 'products',
    listSearchIndexes: () => ({
      toArray: async () => (listings++ < hiddenListings ? [] : indexes.map((i) => ({ ...i }))),
    }),
    createSearchIndex: async (description: SearchIndexDescription) => {
      calls.push(`create ${description.definition.fields[0].numDimensions}`);
      if (failCreate) throw failCreate;
      indexes.push({
        name: description.name ?? '',
        status: 'READY',
        queryable: true,
        latestDefinition: description.definition,
      });
      return description.name;
    },
    updateSearchIndex: async (name: string, definition: Document) => {
      calls.push(`update ${definition.fields[0].numDimensions}`);
      indexes.splice(0, 1, { name, status: 'READY', queryable: true, latestDefinition: definition });
    },
  };
  return { calls, collection: collection as unknown as Collection<Document>, indexes };
}

describe('ensureVectorIndex', () => {
  const wait = { timeoutMs: 50, pollMs: 1 };
  const ready = (dim: number): SearchIndexState => ({
    name: 'threadfinder_vectors',
    status: 'READY',
    queryable: true,
    latestDefinition: vectorIndexDefinition(dim),
  });

  it('creates the index when the collection has none', async () => {
    // Prepare
    const fake = fakeCollection([]);
    // Act
    await ensureVectorIndex(fake.collection, 'threadfinder_vectors', 4, wait);
    // Assess
    expect(fake.calls).toEqual(['create 4']);
  });

  it('leaves an index with the wanted definition alone', async () => {
    // Prepare
    const fake = fakeCollection([ready(4)]);
    // Act
    await ensureVectorIndex(fake.collection, 'threadfinder_vectors', 4, wait);
    // Assess
    expect(fake.calls).toEqual([]);
  });

  it('updates an index built for another dimension', async () => {
    // Prepare
    const fake = fakeCollection([ready(512)]);
    // Act
    await ensureVectorIndex(fake.collection, 'threadfinder_vectors', 768, wait);
    // Assess
    expect(fake.calls).toEqual(['update 768']);
    expect(definitionMatches(fake.indexes[0]?.latestDefinition, vectorIndexDefinition(768))).toBe(true);
  });

  it('explains that Atlas is needed when the server cannot manage search indexes', async () => {
    // Prepare
    const fake = fakeCollection(
      [],
      Object.assign(new Error('search index commands are not supported'), { code: 115 }),
    );
    // Act
    const error = await ensureVectorIndex(fake.collection, 'threadfinder_vectors', 4, wait).catch(
      (e: unknown) => e,
    );
    // Assess
    expect(error).toBeInstanceOf(ThreadfinderError);
    expect(String(error)).toContain('"threadfinder_vectors" on shop.products');
    expect(String(error)).toContain('not supported');
    expect(String(error)).toContain('Atlas');
  });

  it('waits for an index another process created at the same moment', async () => {
    // Prepare
    const duplicate = Object.assign(new Error('Duplicate Index'), {
      code: 68,
      codeName: 'IndexAlreadyExists',
    });
    const fake = fakeCollection([ready(4)], duplicate, 1);
    // Act
    await ensureVectorIndex(fake.collection, 'threadfinder_vectors', 4, wait);
    // Assess
    expect(fake.calls).toEqual(['create 4']);
  });
});
