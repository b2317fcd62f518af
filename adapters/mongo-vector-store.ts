import type { Collection, Db, MongoClient, MongoClientOptions } from 'mongodb';
import { DEFAULT_MONGO_INDEX } from '#core/config.ts';
import { InputError, ModelMismatchError, ThreadfinderError } from '#core/errors.ts';
import type {
  Facets,
  IndexInfo,
  ProductImageVectors,
  SearchOptions,
  VectorStore,
} from '#core/ports/vector-store.ts';
import { type CheckedRecord, checkRecord } from '#core/product-record.ts';
import type { Hit, ProductRecord } from '#core/types.ts';
import { createMongoClient } from './mongo/client.ts';
import { fromProductDocument, type ProductDocument, toProductDocument } from './mongo/documents.ts';
import { type FacetRow, facetsFromRow, facetsPipeline } from './mongo/facets.ts';
import { fromImageVectorsDocument, imageVectorsUpdate } from './mongo/image-vectors.ts';
import { ensureVectorIndex, SIMILARITY } from './mongo/search-index.ts';
import { buildSearchPipeline, checkSearchOptions, scoreToCosine } from './mongo/search-pipeline.ts';

export { createMongoClient, LAMBDA_CLIENT_OPTIONS } from './mongo/client.ts';

/** Where MongoVectorStore keeps its data and how long it waits for Atlas. */
export interface MongoVectorStoreOptions {
  /** Database, when given a MongoClient (default `threadfinder`); ignored when given a Db. */
  database?: string;
  /** Products collection (default `products`). */
  collection?: string;
  /** Collection holding one binding document (model, dim) per products collection (default `threadfinder_meta`). */
  metaCollection?: string;
  /** Atlas Vector Search index name (default {@link DEFAULT_MONGO_INDEX}). */
  indexName?: string;
  /** How long `bind` waits for the index to become queryable (default 5 minutes). */
  indexTimeoutMs?: number;
  /** How often `bind` polls `listSearchIndexes` while waiting (default 2 s). */
  indexPollMs?: number;
  /** Records per `bulkWrite` (default 500). */
  upsertChunkSize?: number;
}

/** Options of MongoVectorStore.fromUri: the store's options plus overrides of the client settings. */
export interface MongoVectorStoreUriOptions extends MongoVectorStoreOptions {
  client?: MongoClientOptions;
}

interface BindingDocument {
  _id: string;
  model: string;
  dim: number;
  similarity: string;
  index: string;
}

const DELETE_CHUNK = 1000;

/**
 * VectorStore on MongoDB Atlas: one document per product and an Atlas Vector Search index (`dotProduct` over
 * unit vectors, pre-filters on category, color, price and `_id`). Searches are approximate (HNSW) and see
 * writes after Atlas has indexed them, usually within a second or two.
 */
export class MongoVectorStore implements VectorStore {
  private readonly db: Db;
  private readonly products: Collection<ProductDocument>;
  private readonly bindings: Collection<BindingDocument>;
  private readonly collectionName: string;
  private readonly indexName: string;
  private readonly indexTimeoutMs: number;
  private readonly indexPollMs: number;
  private readonly upsertChunkSize: number;
  private owned: MongoClient | null = null;
  private closed = false;
  /**
   * What this store bound the collection to: writes need not read the binding again. Another process can rebind
   * only an empty collection (bind refuses a change while it holds products).
   */
  private boundTo: IndexInfo | undefined;

  /** Uses an injected client (or Db), which the caller keeps and closes. */
  constructor(source: MongoClient | Db, options: MongoVectorStoreOptions = {}) {
    this.db = isClient(source) ? source.db(options.database ?? 'threadfinder') : source;
    this.collectionName = options.collection ?? 'products';
    this.indexName = options.indexName ?? DEFAULT_MONGO_INDEX;
    this.indexTimeoutMs = options.indexTimeoutMs ?? 300_000;
    this.indexPollMs = options.indexPollMs ?? 2_000;
    this.upsertChunkSize = options.upsertChunkSize ?? 500;
    this.products = this.db.collection<ProductDocument>(this.collectionName);
    this.bindings = this.db.collection<BindingDocument>(options.metaCollection ?? 'threadfinder_meta');
  }

  /** A store on its own client built from `uri` with Lambda-sized settings; `close()` closes that client. */
  static fromUri(uri: string, options: MongoVectorStoreUriOptions = {}): MongoVectorStore {
    const client = createMongoClient(uri, options.client);
    const store = new MongoVectorStore(client, options);
    store.owned = client;
    return store;
  }

  /** `database.collection`, for messages. */
  get where(): string {
    return `${this.db.databaseName}.${this.collectionName}`;
  }

  async info(): Promise<IndexInfo | null> {
    this.assertOpen();
    const binding = await this.bindings.findOne({ _id: this.collectionName });
    return binding === null ? null : { model: binding.model, dim: binding.dim };
  }

  /** Binds the collection to a model and makes sure its vector index exists and is queryable (may wait minutes). */
  async bind(info: IndexInfo): Promise<void> {
    if (typeof info?.model !== 'string' || info.model === '' || !Number.isInteger(info.dim) || info.dim < 1) {
      throw new InputError('bind needs { model: non-empty string, dim: positive integer }');
    }
    const current = await this.info();
    if (current === null || current.model !== info.model || current.dim !== info.dim) {
      if (current !== null && (await this.products.countDocuments({}, { limit: 1 })) > 0) {
        throw new ModelMismatchError(
          `index at ${this.where} was built with model ${current.model} (dim ${current.dim}); asked for ${info.model} (dim ${info.dim}); re-ingest or choose ${current.model}`,
        );
      }
      await this.ensureCollection();
      const binding = { model: info.model, dim: info.dim, similarity: SIMILARITY, index: this.indexName };
      await this.bindings.updateOne({ _id: this.collectionName }, { $set: binding }, { upsert: true });
    } else {
      await this.ensureCollection();
    }
    await ensureVectorIndex(this.products, this.indexName, info.dim, {
      timeoutMs: this.indexTimeoutMs,
      pollMs: this.indexPollMs,
    });
    this.boundTo = { model: info.model, dim: info.dim };
  }

  async upsert(records: ProductRecord[]): Promise<void> {
    if (!Array.isArray(records)) throw new InputError('upsert needs an array of records');
    const { dim } = await this.bound('upsert');
    const latest = new Map<string, CheckedRecord>();
    records.forEach((record, i) => {
      const checked = checkRecord(record, dim, i);
      latest.delete(checked.id);
      latest.set(checked.id, checked);
    });
    const docs = [...latest.values()].map(toProductDocument);
    for (let at = 0; at < docs.length; at += this.upsertChunkSize) {
      const operations = docs.slice(at, at + this.upsertChunkSize).map((doc) => ({
        replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true },
      }));
      await this.products.bulkWrite(operations, { ordered: false });
    }
  }

  /** Removes records by id; returns how many existed. */
  async delete(ids: string[]): Promise<number> {
    this.assertOpen();
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
      throw new InputError('delete needs an array of string ids');
    }
    const unique = [...new Set(ids)];
    let removed = 0;
    for (let at = 0; at < unique.length; at += DELETE_CHUNK) {
      const result = await this.products.deleteMany({ _id: { $in: unique.slice(at, at + DELETE_CHUNK) } });
      removed += result.deletedCount;
    }
    return removed;
  }

  async get(id: string): Promise<ProductRecord | null> {
    this.assertOpen();
    const doc = await this.products.findOne({ _id: id }, { projection: { facets: 0, imageVectors: 0 } });
    return doc === null ? null : fromProductDocument(doc);
  }

  /**
   * Sets each product's `imageVectors` array field (binary16 vectors with their image index and settings): same
   * document, so deleting or pruning a product removes them, and no second collection or index is needed.
   */
  async putImageVectors(entries: ProductImageVectors[]): Promise<void> {
    if (!Array.isArray(entries)) throw new InputError('putImageVectors needs an array');
    const { dim } = await this.bound('putImageVectors');
    for (let at = 0; at < entries.length; at += this.upsertChunkSize) {
      const operations = entries.slice(at, at + this.upsertChunkSize).map((entry) => ({
        updateOne: { filter: { _id: entry.id }, update: { $set: imageVectorsUpdate(entry, dim) } },
      }));
      await this.products.bulkWrite(operations, { ordered: false });
    }
  }

  /** The per-image vectors of those `ids` that have them. */
  async getImageVectors(ids: string[]): Promise<ProductImageVectors[]> {
    this.assertOpen();
    const out: ProductImageVectors[] = [];
    for (let at = 0; at < ids.length; at += DELETE_CHUNK) {
      const cursor = this.products.find(
        { _id: { $in: ids.slice(at, at + DELETE_CHUNK) }, imageVectors: { $exists: true } },
        { projection: { imageVectors: 1, imageSettings: 1 } },
      );
      for await (const doc of cursor) out.push(fromImageVectorsDocument(doc));
    }
    return out;
  }

  /** Every stored id, read through a cursor in batches. */
  async *listIds(): AsyncGenerator<string> {
    this.assertOpen();
    const cursor = this.products.find({}, { projection: { _id: 1 }, batchSize: 1000 });
    for await (const doc of cursor) yield doc._id;
  }

  async search(vector: Float32Array, options: SearchOptions): Promise<Hit[]> {
    this.assertOpen();
    const search = checkSearchOptions(options);
    if (!(vector instanceof Float32Array) || vector.some((x) => !Number.isFinite(x))) {
      throw new InputError('search vector must be a Float32Array of finite numbers');
    }
    const bound = await this.info();
    if (bound === null || search.k === 0) return [];
    if (vector.length !== bound.dim) {
      throw new InputError(
        `search vector has ${vector.length} dimensions; the index at ${this.where} holds ${bound.dim}`,
      );
    }
    const pipeline = buildSearchPipeline(this.indexName, vector, search);
    const docs = await this.products.aggregate<ProductDocument & { score: number }>(pipeline).toArray();
    return docs.map((doc) => ({ record: fromProductDocument(doc), score: scoreToCosine(doc.score) }));
  }

  async count(): Promise<number> {
    this.assertOpen();
    return this.products.countDocuments({});
  }

  /** Distinct categories and colours (first spelling of each, without case) and the price range, in one query. */
  async facets(limit: number): Promise<Facets> {
    this.assertOpen();
    const [row] = await this.products.aggregate<FacetRow>(facetsPipeline(limit)).toArray();
    return facetsFromRow(row);
  }

  /** Closes the client when the store built it (fromUri); an injected client stays open. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.owned?.close();
  }

  private async bound(operation: string): Promise<IndexInfo> {
    // Two round trips a batch to Atlas were one a write and one re-reading the binding.
    if (this.boundTo) return this.boundTo;
    const info = await this.info();
    if (info === null) {
      throw new InputError(
        `cannot ${operation}: the store at ${this.where} is not bound; call bind({ model, dim }) first`,
      );
    }
    return info;
  }

  private async ensureCollection(): Promise<void> {
    const found = await this.db.listCollections({ name: this.collectionName }, { nameOnly: true }).toArray();
    if (found.length > 0) return;
    await this.db.createCollection(this.collectionName).catch((error: { code?: number }) => {
      if (error?.code !== 48) throw error; // NamespaceExists: created meanwhile by another process
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new ThreadfinderError(`vector store at ${this.where} is closed`);
  }
}

/** A MongoClient has `db()`; a Db does not (duck-typed, so a second bundled copy of the driver still works). */
function isClient(source: MongoClient | Db): source is MongoClient {
  return typeof (source as Partial<MongoClient>).db === 'function';
}
