import { existsSync } from 'node:fs';
import path from 'node:path';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { BlobChecker } from './blob-decodes.ts';
import { type BoundModel, checkIndex } from './check-index.ts';
import { checkProducts, originalsListedOnce } from './check-products.ts';
import { checkRuns } from './check-runs.ts';
import { checkUrlRecords } from './check-url-records.ts';
import type { AreaResult, CheckReport } from './findings.ts';
import { expectationsOf, readRunRecords } from './run-records.ts';

/** The index folder of a model in a data dir. */
export const indexDirOf = (dataDir: string, modelId: string): string => path.join(dataDir, 'index', modelId);

/**
 * Checks one data dir without changing anything: the index replays cleanly, is bound to `model` and holds
 * what the runs recorded storing (less what they pruned), every stored product's masks, originals and vector
 * are sound, URL records point to stored originals, and run folders are complete.
 */
export async function checkDataDir(dataDir: string, model: BoundModel): Promise<CheckReport> {
  const started = performance.now();
  const indexDir = indexDirOf(dataDir, model.id);
  const blobs = new FsBlobStore(path.join(dataDir, 'blobs'));
  const runs = expectationsOf(await readRunRecords(blobs, model.id));
  const index = await checkIndex(indexDir, model, runs);
  const areas: AreaResult[] = [index];
  try {
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
    writerActive: existsSync(path.join(indexDir, 'LOCK')),
    elapsedMs: performance.now() - started,
  };
}
