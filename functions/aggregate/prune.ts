import type { VectorStore } from '#core/ports/vector-store.ts';

/** Deletes every stored product whose id is not in `catalogIds`, `chunkSize` ids per call; returns how many. */
export async function pruneStore(
  store: VectorStore,
  catalogIds: Iterable<string>,
  chunkSize: number,
): Promise<number> {
  const keep = new Set(catalogIds);
  const stale: string[] = [];
  for await (const id of store.listIds()) if (!keep.has(id)) stale.push(id);
  let pruned = 0;
  for (let start = 0; start < stale.length; start += chunkSize) {
    pruned += await store.delete(stale.slice(start, start + chunkSize));
  }
  return pruned;
}
