import { beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { createApi } from '#functions/search/api.ts';
import type { Api } from '#functions/search/api-types.ts';
import { tempDir } from '#test/models/drawn-images.ts';
import { catalogStore, textEmbedder } from './fixtures.ts';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
  'base64',
);

const get = (path: string) => ({ method: 'GET', path, query: {}, headers: {} });
const codeOf = (body: string | Uint8Array): string => JSON.parse(String(body)).error.code;

describe('GET /api/products/{id}/masked/{i}: the index', () => {
  let api: Api;
  beforeAll(async () => {
    // Prepare: product a has two images, a masked image for the first only.
    const store = await catalogStore();
    const a = await store.get('a');
    if (a) await store.upsert([{ ...a, maskedKeys: ['masked/a.png', undefined] }]);
    const blobs = new FsBlobStore(await tempDir('masked-index'));
    await blobs.put('masked/a.png', PNG, 'image/png');
    api = createApi({ text: textEmbedder(), store, blobs });
  });

  it('answers the canonical index of a masked image with the PNG', async () => {
    // Act
    const res = await api(get('/api/products/a/masked/0'));
    // Assess
    expect([res.status, res.headers['content-type']]).toEqual([200, 'image/png']);
  });

  it.each(['1', '2', '3', '99999', '99999999999999999999'])(
    'answers index %s, with no masked image, with 404 image_not_found however far out of range',
    async (index) => {
      // Act
      const res = await api(get(`/api/products/a/masked/${index}`));
      // Assess
      expect([res.status, codeOf(res.body)]).toEqual([404, 'image_not_found']);
    },
  );

  it.each(['00', '01', '-1', '+1', '1.0', '1e2', 'x', '%30'])(
    'answers the index %s, not written canonically, with 404 not_found naming "i", never as image 0 or 1',
    async (index) => {
      // Act
      const res = await api(get(`/api/products/a/masked/${index}`));
      // Assess
      expect([res.status, codeOf(res.body)]).toEqual([404, 'not_found']);
      expect(JSON.parse(String(res.body)).error.message).toBe(
        `nothing at /api/products/a/masked/${index}: the masked image index "i" must be a whole number ` +
          'from 0, written without sign or leading zeros',
      );
    },
  );
});
