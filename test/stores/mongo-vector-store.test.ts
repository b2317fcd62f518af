import { BSON, type Db, type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { createMongoClient, LAMBDA_CLIENT_OPTIONS, MongoVectorStore } from '#adapters/mongo-vector-store.ts';
import { ConfigError } from '#core/errors.ts';
import { autoTagsContract } from '#test/contract/auto-tags-contract.ts';
import {
  CONTRACT_MODEL,
  collect,
  product,
  unit,
  vectorStoreContract,
} from '#test/contract/vector-store-contract.ts';

/**
 * An in-memory stand-in for the part of an Atlas database MongoVectorStore uses. Documents go through BSON;
 * `$vectorSearch` behaves as Atlas documents it: only READY indexes answer, pre-filters only on indexed
 * `filter` paths with $eq/$gte/$lte/$nin/$and, dotProduct scores (1 + dot) / 2 in float32, at most `limit`.
 */
class FakeAtlasDb {
  readonly databaseName = 'fake';
  private readonly collections = new Map<string, FakeCollection>();
  private readonly created = new Set<string>();

  collection(name: string): FakeCollection {
    const found = this.collections.get(name) ?? new FakeCollection(name, () => this.created.add(name));
    this.collections.set(name, found);
    return found;
  }
  listCollections(filter: { name: string }) {
    return { toArray: async () => (this.created.has(filter.name) ? [{ name: filter.name }] : []) };
  }
  async createCollection(name: string): Promise<void> {
    if (this.created.has(name)) throw Object.assign(new Error('collection exists'), { code: 48 });
    this.created.add(name);
  }
}

interface FakeIndex {
  name: string;
  type: string;
  status: string;
  queryable: boolean;
  latestDefinition: Document;
}

class FakeCollection {
  readonly dbName = 'fake';
  readonly docs = new Map<string, Document>();
  readonly indexes: FakeIndex[] = [];
  bulkWrites = 0;
  listings = 0;
  finds = 0;

  constructor(
    readonly collectionName: string,
    private readonly touch: () => void,
  ) {}

  async findOne(filter: { _id: string }, options: { projection?: Document } = {}) {
    this.finds++;
    const doc = this.docs.get(filter._id);
    if (doc === undefined) return null;
    const copy = BSON.deserialize(BSON.serialize(doc));
    for (const [key, keep] of Object.entries(options.projection ?? {})) if (keep === 0) delete copy[key];
    return copy;
  }
  find() {
    const ids = [...this.docs.keys()];
    return (async function* () {
      for (const _id of ids) yield { _id };
    })();
  }
  async countDocuments(_filter: Document, options: { limit?: number } = {}) {
    return Math.min(this.docs.size, options.limit ?? Number.POSITIVE_INFINITY);
  }
  async bulkWrite(operations: { replaceOne: { filter: { _id: string }; replacement: Document } }[]) {
    this.bulkWrites++;
    this.touch();
    for (const { replaceOne } of operations) {
      this.docs.set(replaceOne.filter._id, BSON.deserialize(BSON.serialize(replaceOne.replacement)));
    }
  }
  async deleteMany(filter: { _id: { $in: string[] } }) {
    return { deletedCount: filter._id.$in.filter((id) => this.docs.delete(id)).length };
  }
  async updateOne(filter: { _id: string }, update: { $set: Document }) {
    this.touch();
    this.docs.set(filter._id, { ...this.docs.get(filter._id), ...update.$set, _id: filter._id });
  }
  listSearchIndexes() {
    this.listings++;
    for (const index of this.indexes) {
      index.status = index.status === 'PENDING' ? 'BUILDING' : 'READY';
      index.queryable = index.status === 'READY';
    }
    return { toArray: async () => this.indexes.map((index) => structuredClone(index)) };
  }
  async createSearchIndex(description: { name: string; type: string; definition: Document }) {
    const index = {
      ...description,
      latestDefinition: description.definition,
      status: 'PENDING',
      queryable: false,
    };
    this.indexes.push(index);
    return description.name;
  }
  async updateSearchIndex(name: string, definition: Document) {
    const index = this.indexes.find((i) => i.name === name);
    if (index) Object.assign(index, { latestDefinition: definition, status: 'PENDING' });
  }
  aggregate(pipeline: Document[]) {
    return { toArray: async () => this.run(pipeline) };
  }

  private run(pipeline: Document[]): Document[] {
    const [first, ...rest] = pipeline;
    const search = first?.$vectorSearch;
    if (!search) throw new Error('$vectorSearch must be the first stage');
    let rows = this.vectorSearch(search);
    for (const stage of rest) {
      if (stage.$project) rows = rows.map((row) => project(row, stage.$project));
      else if (stage.$sort) rows = [...rows].sort((a, b) => b.score - a.score || (a._id < b._id ? -1 : 1));
      else if (stage.$limit) rows = rows.slice(0, stage.$limit);
      else throw new Error(`stage not supported by the stand-in: ${Object.keys(stage)}`);
    }
    return rows;
  }

  private vectorSearch(search: Document): Document[] {
    const index = this.indexes.find((i) => i.name === search.index && i.status === 'READY');
    if (!index) return [];
    const fields: Document[] = index.latestDefinition.fields;
    const vectorField = fields.find((f) => f.type === 'vector' && f.path === search.path);
    if (vectorField?.similarity !== 'dotProduct') throw new Error('path is not an indexed vector');
    if (search.queryVector.length !== vectorField.numDimensions)
      throw new Error('queryVector has wrong length');
    if (!(search.limit <= search.numCandidates && search.numCandidates <= 10_000))
      throw new Error('numCandidates');
    const filterPaths = new Set(fields.filter((f) => f.type === 'filter').map((f) => f.path));
    return [...this.docs.values()]
      .filter((doc) => search.filter === undefined || matches(doc, search.filter, filterPaths))
      .map((doc) => ({ doc, score: Math.fround((1 + dot32(search.queryVector, doc.vector)) / 2) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, search.limit)
      .map(({ doc, score }) => ({ ...BSON.deserialize(BSON.serialize(doc)), [SCORE]: score }));
  }
}

/** Where the stand-in keeps the score for `$meta: 'vectorSearchScore'` (not a stored field). */
const SCORE = '\u0000vectorSearchScore';

function project(row: Document, spec: Document): Document {
  const out: Document = { _id: row._id };
  for (const [key, value] of Object.entries(spec)) {
    if (value === 1 && key in row) out[key] = row[key];
    else if (value?.$meta === 'vectorSearchScore') out[key] = row[SCORE];
  }
  return out;
}

function matches(doc: Document, filter: Document, indexed: Set<string>): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$and') return (condition as Document[]).every((c) => matches(doc, c, indexed));
    if (!indexed.has(key)) throw new Error(`Path '${key}' needs to be indexed as filter`);
    const value = key.split('.').reduce<unknown>((at, part) => (at as Document | undefined)?.[part], doc);
    return Object.entries(condition as Document).every(([op, operand]) => {
      if (op === '$eq') return value === operand;
      if (op === '$nin') return !(operand as unknown[]).includes(value);
      if (op === '$gte') return typeof value === 'number' && value >= operand;
      if (op === '$lte') return typeof value === 'number' && value <= operand;
      throw new Error(`operator ${op} not supported by the stand-in`);
    });
  });
}

function dot32(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++)
    sum = Math.fround(sum + Math.fround((a[i] as number) * (b[i] as number)));
  return sum;
}

const storeOn = (db: FakeAtlasDb, options = {}) =>
  new MongoVectorStore(db as unknown as Db, { indexPollMs: 1, indexTimeoutMs: 1_000, ...options });

vectorStoreContract('MongoVectorStore on an in-memory Atlas stand-in', async () =>
  storeOn(new FakeAtlasDb()),
);
// The fake refuses a pre-filter on a path the index does not list: this proves FILTER_PATHS covers every group.
autoTagsContract('MongoVectorStore on an in-memory Atlas stand-in', async () => storeOn(new FakeAtlasDb()));

describe('MongoVectorStore', () => {
  it('bind creates the collection and a vectorSearch index for the model dimension, and waits until it is queryable', async () => {
    // Prepare
    const db = new FakeAtlasDb();
    const store = storeOn(db);
    // Act
    await store.bind(CONTRACT_MODEL);
    // Assess
    const [index] = db.collection('products').indexes;
    expect(index?.type).toBe('vectorSearch');
    expect(index?.latestDefinition.fields[0]).toMatchObject({ path: 'vector', numDimensions: 4 });
    expect(index?.status).toBe('READY');
    expect(db.collection('products').listings).toBeGreaterThan(2);
    expect(await db.listCollections({ name: 'products' }).toArray()).toHaveLength(1);
  });

  it('keeps the binding in the database, so every container sees the same model', async () => {
    // Prepare
    const db = new FakeAtlasDb();
    await storeOn(db).bind(CONTRACT_MODEL);
    // Act
    const seen = await storeOn(db).info();
    // Assess
    expect(seen).toEqual(CONTRACT_MODEL);
  });

  it('rebinds an emptied store to another dimension by updating the index', async () => {
    // Prepare
    const db = new FakeAtlasDb();
    const store = storeOn(db);
    await store.bind(CONTRACT_MODEL);
    await store.upsert([product('p', unit(1, 0, 0, 0))]);
    await store.delete(await collect(store.listIds()));
    // Act
    await store.bind({ model: 'bigger', dim: 8 });
    // Assess
    expect(await store.info()).toEqual({ model: 'bigger', dim: 8 });
    expect(db.collection('products').indexes[0]?.latestDefinition.fields[0].numDimensions).toBe(8);
    expect(await store.search(unit(1, 0, 0, 0, 0, 0, 0, 0), { k: 1 })).toEqual([]);
  });

  it('reads the binding once when it bound the store itself, not again for each write', async () => {
    // Prepare
    const db = new FakeAtlasDb();
    const store = storeOn(db);
    await store.bind(CONTRACT_MODEL);
    const before = db.collection('threadfinder_meta').finds;
    // Act: an aggregate step's writes, batch after batch
    for (const id of ['a', 'b', 'c']) {
      await store.upsert([product(id, unit(1, 0, 0, 0))]);
      await store.putImageVectors([]);
    }
    // Assess
    expect(db.collection('threadfinder_meta').finds).toBe(before);
    expect(await store.count()).toBe(3);
  });

  it('writes large upserts in chunks', async () => {
    // Prepare
    const db = new FakeAtlasDb();
    const store = storeOn(db, { upsertChunkSize: 2 });
    await store.bind(CONTRACT_MODEL);
    // Act
    await store.upsert(['a', 'b', 'c', 'd', 'e'].map((id) => product(id, unit(1, 0, 0, 0))));
    // Assess
    expect(db.collection('products').bulkWrites).toBe(3);
    expect(await store.count()).toBe(5);
  });

  it('refuses work once closed', async () => {
    // Prepare
    const store = storeOn(new FakeAtlasDb());
    await store.close();
    // Act
    const error = await store.count().catch((e: unknown) => e);
    // Assess
    expect(String(error)).toContain('closed');
  });
});

describe('createMongoClient', () => {
  it('applies the small-pool, short-timeout settings meant for one Lambda container', async () => {
    // Act
    const client = createMongoClient('mongodb://reader:secret@db.example:27017/');
    // Assess
    expect(client.options.maxPoolSize).toBe(LAMBDA_CLIENT_OPTIONS.maxPoolSize);
    expect(client.options.maxPoolSize).toBeLessThanOrEqual(5);
    expect(client.options.serverSelectionTimeoutMS).toBe(5_000);
    expect(client.options.connectTimeoutMS).toBe(5_000);
    expect(client.options.socketTimeoutMS).toBe(30_000);
    await client.close();
  });

  it('fromUri opens the store in the named database, threadfinder by default, and closes its own client', async () => {
    // Act
    const named = MongoVectorStore.fromUri('mongodb://db.example:27017/', {
      database: 'shop',
      collection: 'items',
    });
    const plain = MongoVectorStore.fromUri('mongodb://db.example:27017/');
    // Assess
    expect(named.where).toBe('shop.items');
    expect(plain.where).toBe('threadfinder.products');
    await named.close();
    await plain.close();
    await expect(named.count()).rejects.toThrow('closed');
  });

  it.each(['', 'http://reader:secret@db.example', 'mongodb://reader:secret@db.example:notaport'])(
    'refuses %j with a ConfigError that does not repeat the password',
    (uri) => {
      // Act
      const act = () => MongoVectorStore.fromUri(uri);
      // Assess
      expect(act).toThrow(ConfigError);
      expect(act).not.toThrow(/secret/);
    },
  );
});
