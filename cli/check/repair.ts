import { existsSync } from 'node:fs';
import path from 'node:path';
import { IMAGE_LOG_NAME, ImageVectorLog } from '#adapters/file-vector-store/image-vector-log.ts';
import { rewriteLostBind } from '#adapters/file-vector-store/rebind.ts';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { repairCatalogKey } from '#core/contracts/run-layout.ts';
import { type CheckReport, damagedProductIds } from './findings.ts';
import { catalogCsv, findCatalogProducts } from './repair-catalog.ts';
import { indexDirOf } from './run-check.ts';

/** What `check --repair` changed and wrote. */
export interface RepairResult {
  /** Where the index's damaged lines were set aside before the log was rewritten without them. */
  setAsideTo?: string;
  /** Where the damaged lines of the per-image vectors' log were set aside before it was rewritten without them. */
  imagesSetAsideTo?: string;
  /** The bind record written again, when it was lost: the model and width its records are bound to. */
  rebound?: { model: string; dim: number };
  /** Images that did not decode and bad URL records, deleted so the next ingest makes them again. */
  deletedBlobs: string[];
  /** Products deleted again: the record of their deletion was lost, so they were served again. */
  deletedProducts: string[];
  /** The catalog of the affected products (absent when none could be listed). */
  catalogFile?: string;
  catalogProducts: string[];
  /** Affected products whose images no run and no stored record lists: only the shop's catalog has them. */
  unknownProducts: string[];
}

/**
 * Repairs a checked data dir: writes a lost bind record again; opens the index for writing (taking its lock,
 * so never beside an ingestion), which sets damaged lines aside and rewrites a clean log, and does the same for
 * the per-image vectors' log (before the store reads it, as it keeps offsets into it); deletes again the
 * products whose deletion was lost; deletes the blobs findings mark removable; and writes
 * `runs/<id>-repair.csv` listing the affected products, which a normal `ingest` of it restores.
 */
export async function repairDataDir(
  report: CheckReport,
  modelId: string,
  now = new Date(),
): Promise<RepairResult> {
  const indexDir = indexDirOf(report.dataDir, modelId);
  const blobs = new FsBlobStore(path.join(report.dataDir, 'blobs'));
  const rebind = report.findings.find((f) => f.rebind)?.rebind;
  const rebound = rebind ? await rewriteLostBind(indexDir, rebind.model) : null;
  const store = existsSync(path.join(indexDir, 'vectors.log')) ? await FileVectorStore.open(indexDir) : null;
  try {
    const imagesSetAsideTo = store ? await setImageDamageAside(indexDir) : null;
    const damage = rebound?.damage ?? store?.damage();
    const lost = [...new Set(report.findings.flatMap((f) => f.lostDeletions ?? []))];
    const deletedProducts: string[] = [];
    for (const id of lost) if (await store?.get(id)) deletedProducts.push(id);
    await store?.delete(deletedProducts);
    const deletedBlobs = [...new Set(report.findings.flatMap((f) => f.removable ?? []))];
    for (const key of deletedBlobs) await blobs.delete(key);
    const ids = [...new Set([...damagedProductIds(report.findings), ...(damage?.productIds ?? [])])];
    const { found, unknown } = await findCatalogProducts(ids, blobs, store);
    const result: RepairResult = {
      ...(damage?.setAsideTo ? { setAsideTo: damage.setAsideTo } : {}),
      ...(imagesSetAsideTo ? { imagesSetAsideTo } : {}),
      ...(rebound ? { rebound: rebound.index } : {}),
      deletedBlobs,
      deletedProducts,
      catalogProducts: found.map((p) => p.id),
      unknownProducts: unknown,
    };
    if (found.length === 0) return result;
    const key = repairCatalogKey(now.toISOString().replace(/[-:]/g, '').replace(/\..*/, ''));
    await blobs.put(key, new TextEncoder().encode(catalogCsv(found)), 'text/csv');
    return { ...result, catalogFile: path.join(report.dataDir, 'blobs', key) };
  } finally {
    await store?.close();
  }
}

/**
 * Sets the damaged lines of `image-vectors.log` aside and rewrites it from its valid lines (the store's lock
 * held): the products they lost are in the check's findings, so the repair catalog lists them.
 */
async function setImageDamageAside(indexDir: string): Promise<string | null> {
  const file = path.join(indexDir, IMAGE_LOG_NAME);
  if (!existsSync(file)) return null;
  const log = await ImageVectorLog.open(file);
  try {
    return await log.setDamageAside();
  } finally {
    await log.close();
  }
}
