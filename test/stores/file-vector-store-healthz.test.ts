import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { createApi } from '#functions/search/api.ts';
import { CONTRACT_MODEL } from '#test/contract/vector-store-contract.ts';
import { FakeTextEmbedder } from '#test/support/fake-text-embedder.ts';
import { lineStarts, logOf, overwrite, PRODUCTS, writeProducts } from './fixtures/damaged-log.ts';
import { tempDirs } from './temp-dirs.ts';

const newDir = tempDirs('vector-healthz');
const text = new FakeTextEmbedder(CONTRACT_MODEL.model, CONTRACT_MODEL.dim);
const get = (path: string, query: Record<string, string> = {}) => ({
  method: 'GET',
  path,
  query,
  headers: {},
});

describe('GET /healthz over the embedded store', () => {
  it('reports degraded with the damage counts, still 200, and search keeps serving', async () => {
    // Prepare
    const dir = await newDir();
    const log = await writeProducts(dir);
    await writeFile(logOf(dir), overwrite(log, (lineStarts(log)[5] as number) + 3, '\0\0'));
    const store = await FileVectorStore.open(dir, { readOnly: true });
    const api = createApi({ text, store });
    // Act
    const health = await api(get('/healthz'));
    const search = await api(get('/api/search', { q: 'anything' }));
    // Assess
    expect(health.status).toBe(200);
    expect(JSON.parse(String(health.body))).toEqual({
      status: 'degraded',
      products: PRODUCTS.length - 1,
      model: CONTRACT_MODEL.model,
      damage: {
        lines: 1,
        bytes: expect.any(Number),
        products: 1,
        message: expect.stringContaining('1 product'),
      },
    });
    expect(search.status).toBe(200);
    await store.close();
  });

  it('reports ok over a whole store', async () => {
    // Prepare
    const dir = await newDir();
    await writeProducts(dir);
    const store = await FileVectorStore.open(dir, { readOnly: true });
    // Act
    const health = await createApi({ text, store })(get('/healthz'));
    // Assess
    expect(JSON.parse(String(health.body))).toEqual({
      status: 'ok',
      products: PRODUCTS.length,
      model: CONTRACT_MODEL.model,
    });
    await store.close();
  });
});
