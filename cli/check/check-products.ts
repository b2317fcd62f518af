import { mapLimit } from '#core/concurrency.ts';
import { contentHashOf, originalsOfHash, PREFIXES } from '#core/contracts/run-layout.ts';
import { InputError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import type { ProductRecord } from '#core/types.ts';
import type { ImageChecker } from './blob-decodes.ts';
import type { AreaResult, Finding } from './findings.ts';

const CONCURRENCY = 8;
/** Ids taken from the store's stream at a time: the store is never listed whole. */
const ID_CHUNK = 1000;
const UNIT_TOLERANCE = 1e-3;

/** The originals stored for a content hash (`originals/<hash>.<ext>`, whatever the extension). */
export type OriginalsOf = (hash: string) => Promise<string[]>;

/** One listing per hash: cheap in S3, where a prefix listing reads only the keys under it. */
export const originalsListedPerHash =
  (blobs: BlobStore): OriginalsOf =>
  (hash) =>
    blobs.list(originalsOfHash(hash));

/**
 * One listing of `originals/` for all hashes: a local folder is read whole by every listing, so one per image
 * made the check quadratic (47k products: 141k listings of a 141k-file folder).
 */
export function originalsListedOnce(blobs: BlobStore): OriginalsOf {
  let byHash: Promise<Map<string, string[]>> | undefined;
  const index = async () => {
    const map = new Map<string, string[]>();
    for (const key of await blobs.list(PREFIXES.originals)) {
      const name = key.slice(PREFIXES.originals.length);
      const dot = name.indexOf('.');
      if (dot < 0 || name.includes('/')) continue;
      const hash = name.slice(0, dot);
      map.set(hash, [...(map.get(hash) ?? []), key]);
    }
    return map;
  };
  return async (hash) => {
    byHash ??= index();
    return (await byHash).get(hash) ?? [];
  };
}

/**
 * Every stored product: its vector is finite and unit length, and each image it used has its masked image
 * and the original that mask came from (`originals/<hash of the mask's name>.*`), both sound (`images`
 * decides what sound means: decoding, or only existing). Ids are read from the store's stream a chunk at a time.
 */
export async function checkProducts(
  store: VectorStore,
  blobs: BlobStore,
  images: ImageChecker,
  options: { concurrency?: number; originalsOf?: OriginalsOf } = {},
): Promise<AreaResult> {
  const concurrency = options.concurrency ?? CONCURRENCY;
  const originalsOf = options.originalsOf ?? originalsListedPerHash(blobs);
  const findings: Finding[] = [];
  let products = 0;
  let chunk: string[] = [];
  const drain = async () => {
    const perProduct = await mapLimit(chunk, concurrency, async (id) => {
      let record: ProductRecord | null;
      try {
        record = await store.get(id);
      } catch (error) {
        // A record the store holds but cannot return as a product (a hand-edited Atlas document).
        if (!(error instanceof InputError)) throw error;
        return [unreadable(id, error)];
      }
      return record ? checkProduct(record, originalsOf, images) : [];
    });
    findings.push(...perProduct.flat());
    chunk = [];
  };
  for await (const id of store.listIds()) {
    products++;
    chunk.push(id);
    if (chunk.length >= ID_CHUNK) await drain();
  }
  await drain();
  return { checked: { products }, findings };
}

function unreadable(id: string, error: Error): Finding {
  return {
    area: 'products',
    severity: 'damage',
    subject: `product ${id}`,
    fault: `its stored record cannot be read: ${error.message}`,
    productIds: [id],
  };
}

async function checkProduct(
  record: ProductRecord,
  originalsOf: OriginalsOf,
  images: ImageChecker,
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
    const originals = await originalsOf(contentHashOf(maskedKey));
    if (originals.length === 0) {
      damage(`${originalsOfHash(contentHashOf(maskedKey))}*`, `original of product ${record.id} is missing`);
      continue;
    }
    for (const key of originals) {
      images.listed?.(key);
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
