import { mapLimit } from '#core/concurrency.ts';
import { contentHashOf, originalsOfHash } from '#core/contracts/run-layout.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import type { ProductRecord } from '#core/types.ts';
import type { BlobChecker } from './blob-decodes.ts';
import type { AreaResult, Finding } from './findings.ts';

const CONCURRENCY = 8;
const UNIT_TOLERANCE = 1e-3;

/**
 * Every stored product: its vector is finite and unit length, and each image it used has its masked image
 * and the original that mask came from (`originals/<hash of the mask's name>.*`), both decoding.
 */
export async function checkProducts(
  store: VectorStore,
  blobs: BlobStore,
  images: BlobChecker,
): Promise<AreaResult> {
  const ids: string[] = [];
  for await (const id of store.listIds()) ids.push(id);
  const perProduct = await mapLimit(ids, CONCURRENCY, async (id) => {
    const record = await store.get(id);
    return record ? checkProduct(record, blobs, images) : [];
  });
  return { checked: { products: ids.length }, findings: perProduct.flat() };
}

async function checkProduct(
  record: ProductRecord,
  blobs: BlobStore,
  images: BlobChecker,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const damage = (subject: string, fault: string, removable?: string) =>
    findings.push({
      area: 'products',
      severity: 'damage',
      subject,
      fault,
      productIds: [record.id],
      ...(removable ? { removable } : {}),
    });
  const norm = Math.hypot(...record.vector);
  if (!Number.isFinite(norm) || Math.abs(norm - 1) > UNIT_TOLERANCE) {
    damage(`product ${record.id}`, `its vector has norm ${norm}; stored vectors are unit length`);
  }
  for (const maskedKey of record.maskedKeys ?? []) {
    if (!maskedKey) continue;
    const masked = await images.check(maskedKey);
    if (masked !== 'ok')
      damage(maskedKey, `masked image of product ${record.id} is ${masked}`, broken(masked, maskedKey));
    const originals = await blobs.list(originalsOfHash(contentHashOf(maskedKey)));
    if (originals.length === 0) {
      damage(`${originalsOfHash(contentHashOf(maskedKey))}*`, `original of product ${record.id} is missing`);
      continue;
    }
    for (const key of originals) {
      const original = await images.check(key);
      if (original !== 'ok')
        damage(key, `original of product ${record.id} is ${original}`, broken(original, key));
    }
  }
  return findings;
}

function broken(health: string, key: string): string | undefined {
  return health === 'undecodable' ? key : undefined;
}
