import path from 'node:path';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { assertDataDir } from '#cli/data-dir.ts';
import { BlobChecker } from './blob-decodes.ts';
import { checkImageLog } from './check-image-log.ts';
import { type BoundModel, checkIndex } from './check-index.ts';
import { checkProducts, originalsListedOnce } from './check-products.ts';
import { checkRuns } from './check-runs.ts';
import { checkUrlRecords } from './check-url-records.ts';
import type { AreaResult, CheckReport } from './findings.ts';
import { indexLockState } from './index-lock.ts';
import { expectationsOf, readRunRecords } from './run-records.ts';

/** The index folder of a model in a data dir. */
export const indexDirOf = (dataDir: string, modelId: string): string => path.join(dataDir, 'index', modelId);

/**
 * Checks one data dir without changing anything: the index replays cleanly, is bound to `model` and holds
 * what the runs recorded storing (less what they pruned), every stored product's masks, originals and vector
 * are sound, its per-image vectors read and every stored product has them, URL records point to stored
 * originals, and run folders are complete.
 * Throws ConfigError when there is no data dir at `dataDir`: nothing to check is not a sound data dir.
 */
export async function checkDataDir(dataDir: string, model: BoundModel): Promise<CheckReport> {
  const started = performance.now();
  await assertDataDir(dataDir, 'check');
  const indexDir = indexDirOf(dataDir, model.id);
  const lock = await indexLockState(indexDir);
  const blobs = new FsBlobStore(path.join(dataDir, 'blobs'));
  const records = await readRunRecords(blobs, model.id);
  const index = await checkIndex(indexDir, model, expectationsOf(records));
  const areas: AreaResult[] = [index];
  try {
    const deleteAgain = index.findings.flatMap((f) => f.lostDeletions ?? []);
    const stored = await storedIds(index.store);
    areas.push(await checkImageLog(indexDir, stored, lock.writerActive, { runs: records, deleteAgain }));
    const images = new BlobChecker(blobs);
    if (index.store)
      areas.push(
        await checkProducts(index.store, blobs, images, { originalsOf: originalsListedOnce(blobs) }),
      );
    areas.push(await checkUrlRecords(blobs), await checkRuns(blobs));
    areas.push({ checked: { imageBlobs: images.count }, findings: [] });
  } finally {
    await index.store?.close();
  }
  return {
    dataDir,
    checked: Object.assign({}, ...areas.map((a) => a.checked)),
    findings: areas.flatMap((a) => a.findings),
    writerActive: lock.writerActive,
    ...(lock.writer ? { writer: lock.writer } : {}),
    ...notesOf([...(lock.note ? [lock.note] : []), ...areas.flatMap((a) => a.notes ?? [])]),
    elapsedMs: performance.now() - started,
  };
}

const notesOf = (notes: string[]) => (notes.length > 0 ? { notes } : {});

async function storedIds(store: { listIds(): AsyncIterable<string> } | null): Promise<Set<string> | null> {
  if (!store) return null;
  const ids = new Set<string>();
  for await (const id of store.listIds()) ids.add(id);
  return ids;
}
