import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { createPrepareHandler } from '#functions/prepare/handler.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';

/** Lambda's context object; the handler does not read it. */
export const context = {} as Parameters<ReturnType<typeof createPrepareHandler>>[1];

/** 2025-01-01T00:00:00Z, the clock every prepare test runs at. */
export const NOW_MS = Date.UTC(2025, 0, 1);

/** Per test file: a blob store in a fresh folder holding `contents` (strings or bytes), and the handler on it. */
export function prepareSetup(label: string) {
  const newDir = tempDirs(label);
  return async (contents: Record<string, string | Uint8Array>) => {
    const blobs = new FsBlobStore(await newDir());
    for (const [key, value] of Object.entries(contents)) {
      await blobs.put(key, typeof value === 'string' ? new TextEncoder().encode(value) : value);
    }
    const text = async (key: string) => new TextDecoder().decode(await blobs.get(key));
    const json = async (key: string): Promise<unknown> => JSON.parse(await text(key));
    const handler = createPrepareHandler({ blobs, clock: () => NOW_MS });
    return { blobs, text, json, handler };
  };
}
