import { afterEach, describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import type { AutoTags, ProductRecord } from '#core/types.ts';
import { createApi } from '#functions/search/api.ts';
import { OPENAPI_DOCUMENT } from '#functions/search/openapi.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';
import { MODEL, record, textEmbedder } from './fixtures.ts';

// Auto-tags as facets and filters: listed by /api/facets (marked auto) and accepted as `tag_<group>` filters
// for the groups the catalog has no column for; its metadata wins where it has one.

const newDir = tempDirs('api-auto-tags');
const opened: FileVectorStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

const tag = (value: string, margin = 0.05) => ({ value, margin });
const tagged = (id: string, angle: number, autoTags: AutoTags, metadata: ProductRecord['metadata'] = {}) => ({
  ...record(id, angle, metadata),
  autoTags,
});

/** A catalog of bare image URLs (no colour, pattern or type column), tagged by the aggregate step. */
const BARE = [
  tagged('a', 0, { colour: tag('red'), pattern: tag('striped') }),
  tagged('b', 20, { colour: tag('blue'), pattern: tag('striped') }),
  tagged('c', 50, { colour: tag('red') }),
  tagged('d', 75, {}),
];

async function api(products: ProductRecord[]) {
  const store = await FileVectorStore.open(await newDir());
  opened.push(store);
  await store.bind({ model: MODEL, dim: 2 });
  await store.upsert(products);
  const answer = createApi({ text: textEmbedder(), store });
  return async (path: string, query = '') => {
    const res = await answer({ method: 'GET', path, query: new URLSearchParams(query), headers: {} });
    return { status: res.status, body: JSON.parse(String(res.body)) };
  };
}

const ids = (body: { best: { id: string } | null; alternatives: { id: string }[] }) =>
  [body.best?.id, ...body.alternatives.map((p) => p.id)].filter(Boolean);

describe('auto-tags in the search API', () => {
  it('lists each tag group with its label and values, marked auto, for a catalog without such columns', async () => {
    // Prepare
    const get = await api(BARE);
    // Act
    const { status, body } = await get('/api/facets');
    // Assess
    expect(status).toBe(200);
    expect(body.autoTags.slice(0, 3)).toEqual([
      { group: 'type', label: 'Garment', auto: true, values: [] },
      { group: 'colour', label: 'Colour', auto: true, values: ['blue', 'red'] },
      { group: 'pattern', label: 'Pattern', auto: true, values: ['striped'] },
    ]);
    expect(body.autoTags).toHaveLength(9);
    expect(body.colors).toEqual([]);
  });

  it('narrows a search to the products auto-tagged with the value, and shows their tags apart from metadata', async () => {
    // Prepare
    const get = await api(BARE);
    // Act
    const all = await get('/api/search', 'q=shirt+at+thirty');
    const red = await get('/api/search', 'q=shirt+at+thirty&tag_colour=Red');
    const redStriped = await get('/api/products/c/similar', 'tag_colour=red&tag_pattern=striped');
    // Assess
    expect(ids(all.body)).toEqual(['b', 'a', 'c', 'd']);
    expect(ids(red.body)).toEqual(['c', 'a']);
    expect(red.body.best).toMatchObject({ id: 'c', name: 'product c', autoTags: { colour: tag('red') } });
    expect(red.body.best).not.toHaveProperty('colour');
    expect(redStriped.body.alternatives.map((p: { id: string }) => p.id)).toEqual(['a']);
  });

  it('offers no tag filter for a group whose column the catalog has: its metadata wins', async () => {
    // Prepare
    const get = await api([
      tagged('a', 0, { colour: tag('red'), pattern: tag('striped') }, { color: 'Blue' }),
      tagged('b', 20, { colour: tag('blue') }),
    ]);
    // Act
    const facets = await get('/api/facets');
    const refused = await get('/api/search', 'q=shirt+at+thirty&tag_colour=red');
    const pattern = await get('/api/search', 'q=shirt+at+thirty&tag_pattern=striped');
    // Assess
    expect(facets.body.colors).toEqual(['Blue']);
    expect(facets.body.autoTags.map((t: { group: string }) => t.group)).not.toContain('colour');
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('filter_unavailable');
    expect(refused.body.error.message).toContain('color or colour column');
    expect(ids(pattern.body)).toEqual(['a']);
  });

  it('refuses a value outside the vocabulary, naming the values, and an unknown group', async () => {
    // Prepare
    const get = await api(BARE);
    // Act
    const badValue = await get('/api/search', 'q=shirt+at+thirty&tag_pattern=stripes');
    const badGroup = await get('/api/search', 'q=shirt+at+thirty&tag_mood=happy');
    // Assess
    expect(badValue.status).toBe(400);
    expect(badValue.body.error.message).toContain('"tag_pattern" must be one of: plain, striped, checked');
    expect(badGroup.status).toBe(400);
    expect(badGroup.body.error.code).toBe('unknown_parameter');
  });

  it('documents a tag filter per vocabulary group', () => {
    // Act
    const names = OPENAPI_DOCUMENT.paths['/api/search'].get.parameters.map((p) => p.name);
    // Assess
    expect(names).toEqual(expect.arrayContaining(['tag_type', 'tag_colour', 'tag_pattern', 'tag_occasion']));
  });
});
