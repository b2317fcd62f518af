import { afterEach } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import { createAggregateHandler } from '#functions/aggregate/handler.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';
import { MODEL } from './fixtures.ts';

/** Lambda's context object; the handler does not read it. */
export const context = {} as Parameters<ReturnType<typeof createAggregateHandler>>[1];

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/**
 * Per test file: builds a blob store holding `blobs` (strings stored as is), a fresh store, the handler as
 * in-process callers use it (`handler`, full summary) and as the state machine does (`lambda`, compact).
 */
export function handlerSetup(label: string) {
  const newDir = tempDirs(label);
  const opened: FileVectorStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  return async (contents: Record<string, unknown>, wrap: (blobs: BlobStore) => BlobStore = (b) => b) => {
    const blobs = wrap(new FsBlobStore(await newDir()));
    const store = await FileVectorStore.open(await newDir());
    opened.push(store);
    for (const [key, value] of Object.entries(contents)) {
      await blobs.put(key, typeof value === 'string' ? new TextEncoder().encode(value) : json(value));
    }
    const read = async (key: string): Promise<unknown> =>
      JSON.parse(new TextDecoder().decode(await blobs.get(key)));
    const deps = { blobs, store, ...MODEL };
    return {
      blobs,
      store,
      read,
      handler: createAggregateHandler(deps, { fullSummary: true }),
      lambda: createAggregateHandler(deps),
    };
  };
}
