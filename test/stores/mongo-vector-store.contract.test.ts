import { randomBytes } from 'node:crypto';
import type { Db, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ProductDocument } from '#adapters/mongo/documents.ts';
import { buildSearchPipeline, scoreToCosine } from '#adapters/mongo/search-pipeline.ts';
import { createMongoClient, MongoVectorStore } from '#adapters/mongo-vector-store.ts';
import type { IndexInfo, SearchOptions, VectorStore } from '#core/ports/vector-store.ts';
import type { Hit, ProductRecord } from '#core/types.ts';
import { dot, normalize } from '#core/vectors.ts';
import { autoTagsContract } from '#test/contract/auto-tags-contract.ts';
import { CONTRACT_MODEL, vectorStoreContract } from '#test/contract/vector-store-contract.ts';

const uri = process.env.MONGODB_URI;
const INDEX = 'threadfinder_vectors';
const SETTLE_TIMEOUT_MS = 60_000;

/**
 * Atlas indexes writes asynchronously, a second or so after they are acknowledged; the contract reads its own
 * writes at once. This wrapper makes the first search after a write wait until the index holds exactly the
 * stored ids with the stored vectors (probed through their scores). Everything else passes straight through.
 */
class SettledStore implements VectorStore {
  private dirty = true;

  constructor(
    private readonly store: MongoVectorStore,
    private readonly db: Db,
  ) {}

  info = () => this.store.info();
  get = (id: string) => this.store.get(id);
  listIds = () => this.store.listIds();
  count = () => this.store.count();
  close = () => this.store.close();
  bind = (info: IndexInfo) => this.written(this.store.bind(info));
  upsert = (records: ProductRecord[]) => this.written(this.store.upsert(records));
  delete = (ids: string[]) => this.written(this.store.delete(ids));

  async search(vector: Float32Array, options: SearchOptions): Promise<Hit[]> {
    if (this.dirty) await this.settle();
    this.dirty = false;
    return this.store.search(vector, options);
  }

  private async written<T>(result: Promise<T>): Promise<T> {
    this.dirty = true;
    return result;
  }

  private async settle(): Promise<void> {
    const info = await this.store.info();
    if (info === null) return;
    const probe = normalize(Array.from({ length: info.dim }, (_, i) => i + 1));
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    while (!(await this.indexMatchesCollection(probe))) {
      if (Date.now() > deadline) throw new Error(`Atlas index ${INDEX} did not catch up within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  private async indexMatchesCollection(probe: Float32Array): Promise<boolean> {
    const products = this.db.collection<ProductDocument>('products');
    const stored = new Map((await products.find({}).toArray()).map((doc) => [doc._id, doc.vector]));
    const pipeline = buildSearchPipeline(INDEX, probe, { k: 1000, excludeIds: [] });
    const hits = await products.aggregate<{ _id: string; score: number }>(pipeline).toArray();
    return (
      hits.length === stored.size &&
      hits.every((hit) => {
        const vector = stored.get(hit._id);
        return vector !== undefined && Math.abs(scoreToCosine(hit.score) - dot(probe, vector)) < 1e-4;
      })
    );
  }
}

if (uri === undefined || uri === '') {
  console.warn(
    'MongoVectorStore contract skipped: set MONGODB_URI to an Atlas cluster (or local Atlas deployment) to run it',
  );
  describe.skip('MongoVectorStore contract (skipped: set MONGODB_URI to an Atlas cluster to run)', () => {
    it('runs the VectorStore contract against Atlas Vector Search', () => {});
  });
} else {
  const database = `threadfinder_contract_${Date.now()}_${randomBytes(3).toString('hex')}`;
  let client: MongoClient;

  beforeAll(async () => {
    client = createMongoClient(uri, { serverSelectionTimeoutMS: 15_000 });
    // Build the one index every test shares up front: a first Atlas index build can take minutes.
    const store = new MongoVectorStore(client.db(database), { indexPollMs: 1_000, indexTimeoutMs: 280_000 });
    await store.bind(CONTRACT_MODEL);
  }, 300_000);

  afterAll(async () => {
    await client?.db(database).dropDatabase();
    await client?.close();
  });

  const settledStore = async () => {
    const db = client.db(database);
    await db.collection('products').deleteMany({});
    await db.collection('threadfinder_meta').deleteMany({});
    return new SettledStore(new MongoVectorStore(db, { indexPollMs: 1_000, indexTimeoutMs: 50_000 }), db);
  };
  vectorStoreContract('MongoVectorStore on Atlas', settledStore);
  // Tag filters are Atlas pre-filters: the index must list facets.tags.<group> for every group.
  autoTagsContract('MongoVectorStore on Atlas', settledStore);
}
