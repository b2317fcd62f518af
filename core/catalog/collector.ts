import type { CatalogProduct, ProductMetadata } from '#core/types.ts';
import { CatalogError } from './catalog-error.ts';
import { CATALOG_LIMITS as L } from './limits.ts';
import { listNames } from './name-list.ts';
import { checkMetadataKey, checkMetadataValue, checkUrl, quote } from './validate.ts';

/** A product being assembled from one or more catalog lines. */
export interface ProductDraft {
  id: string;
  line: number;
  images: string[];
  metadata: ProductMetadata;
  /** Images past the per-product cap: how many, and the first one with its line (one problem per product). */
  imagesOver?: { count: number; first: string; line: number; lastLine: number };
  /** Valid metadata fields past the per-product cap (how many, the first few names): one warning per product. */
  fieldsOver?: { count: number; names: string[] };
}

/** Assembles products line by line and records every problem with its file and line. */
export class ProductCollector {
  readonly errors: CatalogError[] = [];
  readonly warnings: CatalogError[] = [];
  private readonly drafts = new Map<string, ProductDraft>();

  constructor(readonly file: string) {}

  /** Records an error; returns false so a caller can `return out.error(...)` from a boolean check. */
  error(line: number, message: string): false {
    this.errors.push(new CatalogError(this.file, line, message));
    return false;
  }

  /** Records a warning; returns false like error(). */
  warn(line: number, message: string): false {
    this.warnings.push(new CatalogError(this.file, line, message));
    return false;
  }

  get(id: string): ProductDraft | undefined {
    return this.drafts.get(id);
  }

  /** Returns the product with this id, creating it (first seen at `line`) when new. */
  open(id: string, line: number): ProductDraft {
    let draft = this.drafts.get(id);
    if (!draft) {
      draft = { id, line, images: [], metadata: {} };
      this.drafts.set(id, draft);
    }
    return draft;
  }

  /** Validates `raw` as an image URL and appends it; duplicates and images past the cap are refused. */
  addImage(draft: ProductDraft, raw: string, line: number): boolean {
    const url = checkUrl(raw);
    if (!url.ok) return this.error(line, url.message);
    if (draft.images.includes(url.value)) {
      return this.warn(line, `product ${quote(draft.id)} lists image ${quote(url.value)} twice; ignored`);
    }
    if (draft.images.length >= L.maxImagesPerProduct) {
      if (draft.imagesOver) {
        draft.imagesOver.count++;
        draft.imagesOver.lastLine = line;
      } else draft.imagesOver = { count: 1, first: url.value, line, lastLine: line };
      return false;
    }
    draft.images.push(url.value);
    return true;
  }

  /** Validates and sets one metadata field; the first non-empty value wins, a different later one warns. */
  setMetadata(draft: ProductDraft, rawKey: string, raw: unknown, line: number): boolean {
    const key = checkMetadataKey(rawKey);
    if (!key.ok) return this.error(line, key.message);
    const value = checkMetadataValue(key.value, raw);
    if (!value.ok) return this.error(line, `${value.message}; field ignored`);
    if (value.value === undefined) return false;
    const current = Object.hasOwn(draft.metadata, key.value) ? draft.metadata[key.value] : undefined;
    if (current !== undefined) {
      if (current !== value.value) {
        this.warn(
          line,
          `product ${quote(draft.id)} field "${key.value}" is ${quote(String(value.value))} here but ` +
            `${quote(String(current))} earlier; keeping the first`,
        );
      }
      return false;
    }
    if (Object.keys(draft.metadata).length >= L.maxMetadataFields) {
      draft.fieldsOver ??= { count: 0, names: [] };
      const over = draft.fieldsOver;
      over.count++;
      if (over.names.length < L.maxIgnoredNamesListed) over.names.push(key.value);
      return false;
    }
    draft.metadata[key.value] = value.value;
    return true;
  }

  /**
   * Products in order of first appearance; a product left without any usable image is dropped with an error.
   * Images and fields past the caps get one problem per product here.
   */
  finish(): CatalogProduct[] {
    const products: CatalogProduct[] = [];
    for (const d of this.drafts.values()) {
      this.reportOverCaps(d);
      if (d.images.length === 0) {
        this.error(d.line, `product ${quote(d.id)} has no usable image; product skipped`);
        continue;
      }
      const bytes = itemBytes(d);
      if (bytes > L.maxProductBytes) {
        this.error(
          d.line,
          `product ${quote(d.id)} takes ${bytes} bytes as a pipeline item, over the ${L.maxProductBytes}-byte limit ` +
            '(long metadata values or URLs); product skipped',
        );
        continue;
      }
      products.push({
        id: d.id,
        images: d.images,
        metadata: d.metadata,
        source: { file: this.file, line: d.line },
      });
    }
    this.errors.sort((a, b) => a.line - b.line);
    this.warnings.sort((a, b) => a.line - b.line);
    return products;
  }

  private reportOverCaps(d: ProductDraft): void {
    const images = d.imagesOver;
    if (images) {
      const lines = images.lastLine === images.line ? '' : ` (lines ${images.line} to ${images.lastLine})`;
      const which =
        images.count === 1
          ? `image ${quote(images.first)} ignored`
          : `${images.count} more images ignored${lines}, the first ${quote(images.first)}`;
      this.error(
        images.line,
        `product ${quote(d.id)} has more than ${L.maxImagesPerProduct} images; ${which}`,
      );
    }
    const fields = d.fieldsOver;
    if (fields) {
      this.warn(
        d.line,
        `product ${quote(d.id)} has more than ${L.maxMetadataFields} metadata fields; the first ` +
          `${L.maxMetadataFields} are kept, ${fields.count} ignored: ${listNames(fields.names, fields.count)}`,
      );
    }
  }
}

/**
 * The bytes of a product as the pipeline carries it (its item in a Distributed Map batch: id, metadata and each
 * image URL with its status), counted generously.
 */
function itemBytes(d: { id: string; metadata: Record<string, unknown>; images: string[] }): number {
  const item = {
    id: d.id,
    metadata: d.metadata,
    images: d.images.map((url) => ({ url, status: 'pending' })),
  };
  return Buffer.byteLength(JSON.stringify(item), 'utf8');
}
