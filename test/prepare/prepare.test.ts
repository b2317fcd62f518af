import { describe, expect, it } from 'vitest';
import { readProductList } from '#core/contracts/product-list.ts';
import { BlobTooLargeError, InputError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import { createPrepareHandler } from '#functions/prepare/handler.ts';
import { context, NOW_MS, prepareSetup } from './setup.ts';

const setup = prepareSetup('prepare');
const NOW = NOW_MS / 1000;
const url = (p: string, i: number) => `https://img.example/${p}/${i}.jpg`;

describe('prepare handler', () => {
  it('turns a CSV catalog into the run items, product list and a small result for the state machine', async () => {
    // Prepare
    const csv = [
      'product_id,image_url,name,price',
      `shirt,${url('shirt', 1)},Striped shirt,19.99`,
      `coat,${url('coat', 1)},Wool coat,120`,
      `shirt,${url('shirt', 2)},,`,
    ].join('\n');
    const { blobs, json, handler } = await setup({ 'catalogs/spring.csv': csv });
    // Act
    const result = await handler({ runId: 'run-1', catalogKey: 'catalogs/spring.csv' }, context);
    // Assess
    expect(result).toEqual({
      runId: 'run-1',
      catalogKey: 'catalogs/spring.csv',
      itemsKey: 'runs/run-1/items.json',
      products: 2,
      images: 3,
      format: 'csv',
      catalogErrors: 0,
      catalogWarnings: 0,
      firstProblems: [],
      mapResultsPrefix: 'map-results/run-1',
      prune: false,
      now: NOW,
      lockExpiresAt: NOW + 24 * 60 * 60,
    });
    expect(await json('runs/run-1/items.json')).toEqual([
      {
        id: 'shirt',
        metadata: { name: 'Striped shirt', price: 19.99 },
        images: [
          { url: url('shirt', 1), status: 'pending' },
          { url: url('shirt', 2), status: 'pending' },
        ],
      },
      {
        id: 'coat',
        metadata: { name: 'Wool coat', price: 120 },
        images: [{ url: url('coat', 1), status: 'pending' }],
      },
    ]);
    expect(await readProductList(blobs, 'run-1')).toEqual({ runId: 'run-1', productIds: ['shirt', 'coat'] });
    expect(await blobs.has('runs/run-1/catalog-problems.txt')).toBe(false);
  });

  it('reads a URL list, three images per product, and honours lockTtlSeconds', async () => {
    // Prepare
    const list = [1, 2, 3, 4, 5, 6].map((i) => url('list', i)).join('\r\n');
    const { json, handler } = await setup({ 'catalogs/urls.txt': list });
    // Act
    const result = await handler(
      { runId: 'r2', catalogKey: 'catalogs/urls.txt', lockTtlSeconds: 600 },
      context,
    );
    // Assess
    expect(result).toMatchObject({ format: 'urls', products: 2, images: 6, lockExpiresAt: NOW + 600 });
    const items = (await json('runs/r2/items.json')) as { images: { url: string }[] }[];
    expect(items.map((item) => item.images.map((i) => i.url))).toEqual([
      [url('list', 1), url('list', 2), url('list', 3)],
      [url('list', 4), url('list', 5), url('list', 6)],
    ]);
  });

  it('reports refused rows and warnings as catalogKey:line, in the problems file and the result', async () => {
    // Prepare
    const jsonl = [
      JSON.stringify({ id: 'p1', images: [url('p1', 1), url('p1', 1)], color: 'red' }),
      JSON.stringify({ id: 'p2', images: ['ftp://nope.example/a.jpg'] }),
      'not json',
      JSON.stringify({ id: 'p3', images: [url('p3', 1)] }),
    ].join('\n');
    const { blobs, text, handler } = await setup({ 'catalogs/feed.jsonl': jsonl });
    // Act
    const result = await handler({ runId: 'r3', catalogKey: 'catalogs/feed.jsonl' }, context);
    // Assess
    expect(result).toMatchObject({
      format: 'jsonl',
      products: 2,
      catalogErrors: 3,
      catalogWarnings: 1,
      problemsKey: 'runs/r3/catalog-problems.txt',
    });
    const lines = (await text('runs/r3/catalog-problems.txt')).trimEnd().split('\n');
    expect(lines.map((l) => /^\w+: [^:]+:\d+/.exec(l)?.[0])).toEqual([
      'error: catalogs/feed.jsonl:2',
      'error: catalogs/feed.jsonl:2',
      'error: catalogs/feed.jsonl:3',
      'warning: catalogs/feed.jsonl:1',
    ]);
    expect(result.firstProblems).toEqual(lines);
    expect((await readProductList(blobs, 'r3')).catalogErrors).toBe(3);
  });

  it.each([
    ['an empty catalog', '\n  \n', 'catalogs/c.csv:1: the catalog is empty'],
    [
      'a catalog without a usable product',
      'product_id,image_url\np1,not-a-url\n',
      'catalogs/c.csv:2: no usable product',
    ],
    [
      'a PNG image',
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]),
      'catalogs/c.csv:1: this is a PNG image',
    ],
    [
      'invalid UTF-8',
      new Uint8Array([0x61, 0x0a, 0xe9, 0x0a]),
      'catalogs/c.csv:2: the file is not valid UTF-8',
    ],
  ])('refuses %s with an InputError naming the catalog key, writing nothing', async (_, body, message) => {
    // Prepare
    const { blobs, handler } = await setup({ 'catalogs/c.csv': body });
    // Act
    const error = await handler({ runId: 'r4', catalogKey: 'catalogs/c.csv' }, context).catch(
      (e: unknown) => e,
    );
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toBe('invalid_catalog');
    expect((error as Error).message).toContain(message);
    expect(await blobs.list('runs/')).toEqual([]);
  });

  it.each([
    [{ runId: 'r5', catalogKey: 'catalogs/missing.csv' }, 'catalog catalogs/missing.csv not found'],
    [{ catalogKey: 'catalogs/c.csv' }, 'invalid prepare event: runId'],
    [{ runId: '../up', catalogKey: 'catalogs/c.csv' }, 'invalid prepare event: runId'],
    [{ runId: 'r5', catalogKey: '' }, 'invalid prepare event: catalogKey'],
    [
      { runId: 'r5', catalogKey: 'catalogs/c.csv', lockTtlSeconds: -1 },
      'invalid prepare event: lockTtlSeconds',
    ],
  ])('refuses the event %j with an InputError', async (event, message) => {
    // Prepare
    const { handler } = await setup({});
    // Act
    const error = await handler(event, context).catch((e: unknown) => e);
    // Assess
    expect((error as Error).name).toBe('InputError');
    expect((error as Error).message).toContain(message);
  });

  it('refuses, as bad input naming the limit, a catalog over what its data store reads at once', async () => {
    // Prepare: a store that reads at most 1 KB at once, as S3's reads at most 64 MiB in the cloud
    const { blobs } = await setup({
      'catalogs/big.csv': `product_id,image_url\n${'p,https://a.example/x.jpg\n'.repeat(100)}`,
    });
    const capped: BlobStore = {
      ...blobs,
      put: (k, d, t) => blobs.put(k, d, t),
      has: (k) => blobs.has(k),
      list: (p) => blobs.list(p),
      delete: (k) => blobs.delete(k),
      get: async (k) => {
        const bytes = await blobs.get(k);
        if (bytes.length > 1024)
          throw new BlobTooLargeError(k, bytes.length, 1024, `${k} is over 1024 bytes`);
        return bytes;
      },
    };
    const handler = createPrepareHandler({ blobs: capped, clock: () => NOW_MS });
    // Act
    const error = await handler({ runId: 'r9', catalogKey: 'catalogs/big.csv' }, context).catch(
      (e: unknown) => e,
    );
    // Assess: InputError, so the state machine does not retry it
    expect(error).toBeInstanceOf(InputError);
    expect(String(error)).toMatch(
      /catalog catalogs\/big\.csv is 0\.0 MB; this data store reads at most 0\.0 MB at once \(split it into several files\)/,
    );
  });
});
