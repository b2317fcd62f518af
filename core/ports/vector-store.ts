import type { Hit, ProductRecord } from '#core/types.ts';

/** Equality filters on metadata and a numeric price range, and on auto-tags. */
export interface SearchFilter {
  category?: string;
  color?: string;
  priceMin?: number;
  priceMax?: number;
  /** Auto-tag value wanted per vocabulary group (`{ pattern: 'striped' }`): the product's auto-tag, never metadata. */
  tags?: Record<string, string>;
}

/** Options of a nearest-neighbour query. */
export interface SearchOptions {
  k: number;
  excludeIds?: string[];
  filter?: SearchFilter;
}

/** Identifies the model that produced the vectors of a store. */
export interface IndexInfo {
  model: string;
  dim: number;
}

/** What the stored catalog holds, for a filter UI. */
export interface Facets {
  /** Distinct `category` values (first spelling of each, compared without case), sorted. */
  categories: string[];
  colors: string[];
  /** Lowest and highest numeric `price`; null when no product has one. */
  price: { min: number; max: number } | null;
  products: number;
  /**
   * Auto-tag values per vocabulary group, for the groups no stored product has a catalog column for (catalog
   * metadata wins where present): every such group, in vocabulary order, its values sorted (empty when no product
   * got a tag in it).
   */
  autoTags: TagFacet[];
}

/** The auto-tag values of one vocabulary group present in the store. */
export interface TagFacet {
  group: string;
  values: string[];
}

/** One damaged stretch of a store's log that opening skipped. */
export interface DamagedLine {
  /** 1-based line of the log where it starts. */
  line: number;
  /** Byte offset in the log where it starts. */
  offset: number;
  bytes: number;
  /** What is wrong with it, e.g. `checksum mismatch`. */
  fault: string;
  /** The kind (`put`, `del`, `bind`, `header`) of the first record still readable in it. */
  kind?: string;
  /** Product ids still readable in it (empty when none is). */
  ids: string[];
}

/** What opening a store found damaged: each damaged line skipped and named, every valid record kept. */
export interface StoreDamage {
  /** The damaged file. */
  file: string;
  lines: DamagedLine[];
  /** Bytes in the damaged lines. */
  bytes: number;
  /** Distinct product ids readable in the damaged lines: these may be missing or out of date. */
  productIds: string[];
  /** Where a writable open copied the damaged bytes before rewriting the log without them. */
  setAsideTo?: string;
}

/**
 * The settings that produced a vector: what changes quality, recorded so that two ingests can be compared
 * (`threadfinder eval --compare`). Absent fields were not known to the writer.
 */
export interface EmbedSettings {
  embedModel: string;
  /** False when images were embedded as downloaded (`--no-segment`). */
  segment?: boolean;
  segmentModel?: string;
  /** Side of the square the segmenter ran at (THREADFINDER_SEGMENT_SIZE, or the model's own). */
  segmentSize?: number;
  /** Precision of the embedding graphs (THREADFINDER_EMBED_DTYPE): fp32, q8 or int8. */
  embedDtype?: string;
  /** Cloth classes that count as garment (cloth segmenters only). */
  garmentClasses?: string[];
  /** The flat background colour, `#rrggbb`. */
  background?: string;
  imageFit?: 'pad' | 'model';
}

/** One image's unit vector; `index` is the image's position in the product's catalog image list. */
export interface ImageVector {
  index: number;
  vector: Float32Array;
}

/** A product's per-image vectors (the ok images, in catalog order) and the settings that produced them. */
export interface ProductImageVectors {
  id: string;
  images: ImageVector[];
  settings: EmbedSettings;
}

/**
 * Stores product vectors and finds the nearest ones by cosine similarity.
 *
 * @example
 * await store.upsert([{ id: 'p1', vector, images: [url], metadata: {}, imagesUsed: 1 }]);
 * const [best] = await store.search(queryVector, { k: 1 });
 * for await (const id of store.listIds()) if (!catalog.has(id)) stale.push(id);
 * await store.delete(stale);
 */
export interface VectorStore {
  /** The model the stored vectors come from, or null while the store is empty and unbound. */
  info(): Promise<IndexInfo | null>;
  /** Binds an empty store to a model; throws ModelMismatchError when it holds another model's vectors. */
  bind(info: IndexInfo): Promise<void>;
  /** Inserts or replaces records by id. Idempotent. */
  upsert(records: ProductRecord[]): Promise<void>;
  /** Removes records by id (absent ids are ignored); returns how many existed. */
  delete(ids: string[]): Promise<number>;
  get(id: string): Promise<ProductRecord | null>;
  /**
   * Every stored id, in no particular order, streamed so a large store is never held as one array. It
   * reflects the store at some point during the iteration: collect what to change first, then write.
   */
  listIds(): AsyncIterable<string>;
  /** Highest cosine similarity first. */
  search(vector: Float32Array, options: SearchOptions): Promise<Hit[]>;
  count(): Promise<number>;
  /** Facets computed by the store itself (one query), where scanning every record would be slow. */
  facets?(limit: number): Promise<Facets>;
  /**
   * Stores each product's per-image vectors (replacing what the product had), next to its product vector; the
   * product itself must be upserted first. Deleting a product deletes them. Absent where not supported.
   */
  putImageVectors?(entries: ProductImageVectors[]): Promise<void>;
  /** The per-image vectors of those `ids` that have them, in no particular order. */
  getImageVectors?(ids: string[]): Promise<ProductImageVectors[]>;
  /** What opening skipped as damaged; null when the store was whole. Absent where damage cannot be seen. */
  damage?(): StoreDamage | null;
  close(): Promise<void>;
}
