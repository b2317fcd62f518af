import { afterEach, describe, expect, it } from 'vitest';
import { FileVectorStore } from '../../adapters/file-vector-store.ts';
import { FsBlobStore } from '../../adapters/fs-blob-store.ts';
import { createAggregateHandler } from '../../functions/aggregate/handler.ts';
import { tempDirs } from '../stores/temp-dirs.ts';
import { batch, embeddedProduct, MODEL } from './fixtures.ts';

const newDir = tempDirs('aggregate-handler');
/** Lambda's context object; the handler does not read it. */
const context = {} as Parameters<ReturnType<typeof createAggregateHandler>>[1];
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const opened: FileVectorStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function setup(batches: Record<string, unknown>) {
  const blobs = new FsBlobStore(await newDir());
  const store = await FileVectorStore.open(await newDir());
  opened.push(store);
  for (const [key, value] of Object.entries(batches)) {
    await blobs.put(key, typeof value === 'string' ? new TextEncoder().encode(value) : json(value));
  }
  return { blobs, store, handler: createAggregateHandler({ blobs, store, ...MODEL }) };
}

describe('aggregate handler', () => {
  it('aggregates every embedded batch of the run and writes the summary next to them', async () => {
    // Prepare
    const { blobs, store, handler } = await setup({
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
    expect(JSON.parse(new TextDecoder().decode(await blobs.get('runs/r1/summary.json')))).toEqual(summary);
    expect(await store.count()).toBe(1);
  });

  it.each([
    [{}, 'invalid aggregate event: runId'],
    [{ runId: '../etc' }, 'invalid aggregate event: runId'],
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

  it('names the blob and the field of a malformed batch', async () => {
    // Prepare
    const good = batch('r1', [embeddedProduct('p1', [{ vector: [1, 0, 0, 0] }])]);
    const { store, handler } = await setup({
      'runs/r1/embedded/a.json': good,
      'runs/r1/embedded/b.json': {
        ...good,
        products: [{ id: 'p2', metadata: {}, images: [], vectors: [3] }],
      },
      'runs/r1/embedded/c.json': '{"runId": ',
    });
    // Act
    const error = await handler({ runId: 'r1' }, context).catch((e: unknown) => e);
    // Assess
    expect((error as Error).name).toBe('InputError');
    expect((error as Error).message).toContain(
      'embedded batch runs/r1/embedded/b.json is invalid: products.0.vectors.0',
    );
    expect(await store.count()).toBe(0);
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
    await handler({ runId: 'r1' }, context);
    await handler({ runId: 'r1' }, context);
    // Assess
    expect(builds).toBe(1);
    expect(await store.count()).toBe(1);
  });
});
