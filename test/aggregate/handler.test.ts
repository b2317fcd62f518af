import { describe, expect, it } from 'vitest';
import { createAggregateHandler } from '#functions/aggregate/handler.ts';
import { batch, embeddedProduct, MODEL } from './fixtures.ts';
import { context, handlerSetup } from './handler-setup.ts';

const setup = handlerSetup('aggregate-handler');

describe('aggregate handler', () => {
  it('aggregates every embedded batch of the run and writes the summary next to them', async () => {
    // Prepare
    const { read, store, handler } = await setup({
      'runs/r1/embedded/a.json': batch('r1', [embeddedProduct('p1', [{ vector: [1, 0, 0, 0] }])]),
      'runs/r1/embedded/b.json': batch('r1', [embeddedProduct('p2', [{ reason: 'too_large' }])]),
      'runs/r1/embedded/nested/ignored.json': 'not even json',
      'runs/r1/embedded/notes.txt': 'ignored',
      'runs/r2/embedded/a.json': batch('r2', [embeddedProduct('other', [{ vector: [0, 1, 0, 0] }])]),
    });
    // Act
    const summary = await handler({ runId: 'r1', extra: 'state fields are ignored' }, context);
    // Assess
    expect(summary.productsStored).toBe(1);
    expect(summary.productsSkipped).toEqual([{ id: 'p2', reasons: ['too_large'] }]);
    expect(summary.batchesStored).toBe(2);
    expect(await read('runs/r1/summary.json')).toEqual(summary);
    expect(await store.count()).toBe(1);
  });

  it.each([
    [{}, 'invalid aggregate event: runId'],
    [{ runId: '../etc' }, 'invalid aggregate event: runId'],
    [{ runId: 'r1', prune: 'yes' }, 'invalid aggregate event: prune'],
    [{ runId: 'r9' }, 'run r9 has no embedded batches under runs/r9/embedded/'],
  ])('refuses the event %j with an InputError', async (event, message) => {
    // Prepare
    const { handler } = await setup({});
    // Act
    const error = await handler(event, context).catch((e: unknown) => e);
    // Assess
    expect((error as Error).name).toBe('InputError');
    expect((error as Error).message).toContain(message);
  });

  it('names the blob and the field of each malformed batch in the summary, and stores the good ones', async () => {
    // Prepare
    const good = batch('r1', [embeddedProduct('p1', [{ vector: [1, 0, 0, 0] }])]);
    const { store, read, handler } = await setup({
      'runs/r1/embedded/a.json': good,
      'runs/r1/embedded/b.json': {
        ...good,
        products: [
          { id: 'p2', metadata: {}, images: [{ url: 'u', status: 'embedded', originalKey: 'k', vector: 3 }] },
        ],
      },
      'runs/r1/embedded/c.json': '{"runId": ',
    });
    // Act
    const summary = await handler({ runId: 'r1' }, context);
    // Assess
    expect(summary.batchesFailed).toEqual([
      {
        key: 'runs/r1/embedded/b.json',
        error: expect.stringContaining(
          'embedded batch runs/r1/embedded/b.json is invalid: products.0.images.0.vector',
        ),
        productIds: ['p2'],
      },
      {
        key: 'runs/r1/embedded/c.json',
        error: expect.stringContaining('embedded batch runs/r1/embedded/c.json is not JSON'),
      },
    ]);
    expect(await store.count()).toBe(1);
    expect(await read('runs/r1/summary.json')).toEqual(summary);
  });

  it('stops on a batch of another model before writing anything, and keeps every blob', async () => {
    // Prepare
    const { blobs, store, handler } = await setup({
      'runs/r1/embedded/a.json': batch('r1', [embeddedProduct('p1', [{ vector: [1, 0, 0, 0] }])], 'other/m'),
      'runs/r1/embedded/b.json': batch('r1', [embeddedProduct('p2', [{ vector: [1, 0, 0, 0] }])]),
    });
    // Act
    const error = await handler({ runId: 'r1' }, context).catch((e: unknown) => e);
    // Assess
    expect((error as Error).name).toBe('ModelMismatchError');
    expect(await store.count()).toBe(0);
    expect(await blobs.list('runs/r1/')).toEqual(['runs/r1/embedded/a.json', 'runs/r1/embedded/b.json']);
  });

  it('builds its dependencies once, on first use', async () => {
    // Prepare
    const { blobs, store } = await setup({
      'runs/r1/embedded/a.json': batch('r1', [embeddedProduct('p1', [{ vector: [1, 0, 0, 0] }])]),
    });
    let builds = 0;
    const handler = createAggregateHandler(async () => {
      builds++;
      return { blobs, store, ...MODEL };
    });
    // Act
    await handler({ runId: 'r1', keepBatches: true }, context);
    await handler({ runId: 'r1' }, context);
    // Assess
    expect(builds).toBe(1);
    expect(await store.count()).toBe(1);
  });
});
