import { performance } from 'node:perf_hooks';
import { ConfigError } from '#core/errors.ts';
import type { TextEmbedder } from '#core/ports/models.ts';
import type { EmbedSettings, VectorStore } from '#core/ports/vector-store.ts';
import type { AutoTags, ProductMetadata } from '#core/types.ts';
import { dot, meanOfUnitVectors } from '#core/vectors.ts';
import { assertSameModel } from '#functions/search/run-search.ts';
import { buildAttributeQueries } from './attribute-queries.ts';
import type { LabelledQuery } from './labelled-queries.ts';
import { DEPTH, mean, precisionAt, type RankingScores, rankingScores, recallAt } from './metrics.ts';
import { type TagAccuracy, tagAccuracy } from './tag-accuracy.ts';

/** What eval reads: the index and the text encoder search uses. */
export interface EvalDeps {
  store: VectorStore;
  text: TextEmbedder;
}

/** How much eval measures. */
export interface EvalOptions {
  /** View-consistency queries, spread evenly over the products with 2+ images (default 1000). */
  viewQueries?: number;
  /** Attribute queries per template (default 100). */
  attributeQueriesPerTemplate?: number;
  labelled?: LabelledQuery[];
  /**
   * Without `labelled`: each product's `name` as a query whose one relevant product is itself (the bundled
   * sample, whose names are "Red striped t-shirt" and the like).
   */
  namesAsQueries?: boolean;
}

/** Precision and recall of attribute queries, per template and over all. */
export interface AttributeRow {
  template: string;
  queries: number;
  precisionAt1: number;
  precisionAt5: number;
  precisionAt10: number;
  recallAt10: number;
}

/** A measurement that could not be made, and why. */
export interface Skipped {
  skipped: string;
}

/** Everything `threadfinder eval` measures; written as JSON by `--json`. */
export interface EvalResult {
  format: 'threadfinder-eval';
  version: 1;
  index: { model: string; dim: number; products: number; settings: EmbedSettings[] };
  /** One image of a product as the query, the product represented by the mean of its other images. */
  view: (Omit<RankingScores, 'ndcgAt10'> & { eligible: number }) | Skipped;
  attributes: { rows: AttributeRow[]; all: AttributeRow } | Skipped;
  labelled: (RankingScores & { relevantNotStored: number; source: string }) | Skipped;
  /** Auto-tags against the catalog's columns; absent in results written before tags were measured. */
  tags?: TagAccuracy | Skipped;
  ms: { view: number; attributes: number; labelled: number; total: number };
}

interface Product {
  id: string;
  metadata: ProductMetadata;
  imagesUsed: number;
  autoTags?: AutoTags;
}

const since = (t: number) => Math.round(performance.now() - t);

/** Measures retrieval quality over an ingested index (see docs/quality.md). */
export async function runEval(deps: EvalDeps, options: EvalOptions = {}): Promise<EvalResult> {
  const start = performance.now();
  const info = await deps.store.info();
  if (info === null) throw new ConfigError('the index is empty: ingest a catalog first');
  assertSameModel(info, deps.text);
  const products: Product[] = [];
  for await (const id of deps.store.listIds()) {
    const record = await deps.store.get(id);
    if (record) {
      const { metadata, imagesUsed, autoTags } = record;
      products.push({ id, metadata, imagesUsed, ...(autoTags && { autoTags }) });
    }
  }
  products.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  let t = performance.now();
  const { view, settings } = await viewConsistency(deps.store, products, options.viewQueries ?? 1000);
  const viewMs = since(t);
  t = performance.now();
  const attributes = await attributeQueries(deps, products, options.attributeQueriesPerTemplate ?? 100);
  const attributesMs = since(t);
  t = performance.now();
  const stored = new Set(products.map((p) => p.id));
  const names = products.flatMap((p) =>
    typeof p.metadata.name === 'string' && p.metadata.name.trim()
      ? [{ query: p.metadata.name, relevant: [p.id] }]
      : [],
  );
  const labelled = options.labelled
    ? { ...(await labelledQueries(deps, options.labelled, stored)), source: 'the --queries file' }
    : options.namesAsQueries && names.length > 0
      ? { ...(await labelledQueries(deps, names, stored)), source: "the sample's product names (built in)" }
      : { skipped: 'no --queries file' };
  const labelledMs = since(t);
  return {
    format: 'threadfinder-eval',
    version: 1,
    index: { model: info.model, dim: info.dim, products: products.length, settings },
    view,
    attributes,
    labelled,
    tags: tagAccuracy(products),
    ms: { view: viewMs, attributes: attributesMs, labelled: labelledMs, total: since(start) },
  };
}

// Evenly spaced picks of at most `n` items, in order.
const spread = <T>(items: T[], n: number) =>
  items.length <= n
    ? items
    : Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)] as T);

async function viewConsistency(store: VectorStore, products: Product[], n: number) {
  const settings = new Map<string, EmbedSettings>();
  if (!store.getImageVectors)
    return { view: { skipped: 'this store keeps no per-image vectors' }, settings: [] };
  const eligible = products.filter((p) => p.imagesUsed >= 2);
  const picked = spread(eligible, n).map((p) => p.id);
  const results: { ranked: string[]; relevant: Set<string> }[] = [];
  for (let at = 0; at < picked.length; at += 200) {
    for (const entry of await store.getImageVectors(picked.slice(at, at + 200))) {
      settings.set(JSON.stringify(entry.settings), entry.settings);
      const [query, ...others] = [...entry.images].sort((a, b) => a.index - b.index).map((i) => i.vector);
      if (!query || others.length === 0) continue;
      const own = dot(query, meanOfUnitVectors(others));
      const hits = await store.search(query, { k: DEPTH, excludeIds: [entry.id] });
      // Ties count against the product (pessimistic): it ranks after every product scoring as high.
      const rank = hits.filter((h) => h.score >= own).length;
      const ranked = hits.map((h) => h.record.id);
      ranked.splice(rank, 0, entry.id);
      results.push({ ranked: ranked.slice(0, DEPTH), relevant: new Set([entry.id]) });
    }
  }
  if (results.length === 0) {
    const why =
      eligible.length === 0
        ? 'no product has 2 or more usable images'
        : 'no per-image vectors stored (ingested before they were kept: ingest again)';
    return { view: { skipped: why }, settings: [...settings.values()] };
  }
  const { ndcgAt10: _, ...scores } = rankingScores(results);
  return { view: { ...scores, eligible: eligible.length }, settings: [...settings.values()] };
}

async function rank(deps: EvalDeps, texts: string[]): Promise<string[][]> {
  const vectors = await deps.text.embedTexts(texts);
  return Promise.all(
    vectors.map(async (v) => (await deps.store.search(v, { k: DEPTH })).map((h) => h.record.id)),
  );
}

async function attributeQueries(deps: EvalDeps, products: Product[], perTemplate: number) {
  const queries = buildAttributeQueries(products, perTemplate);
  if (queries.length === 0)
    return { skipped: 'the catalog has no color, pattern and garment/type/category columns' };
  const ranked = await rank(
    deps,
    queries.map((q) => q.text),
  );
  const row = (template: string, picks: number[]): AttributeRow => {
    const score = (f: (r: string[], rel: Set<string>) => number) =>
      mean(picks.map((i) => f(ranked[i] as string[], (queries[i] as (typeof queries)[number]).relevant)));
    return {
      template,
      queries: picks.length,
      precisionAt1: score((r, rel) => precisionAt(r, rel, 1)),
      precisionAt5: score((r, rel) => precisionAt(r, rel, 5)),
      precisionAt10: score((r, rel) => precisionAt(r, rel, 10)),
      recallAt10: score((r, rel) => recallAt(r, rel, 10)),
    };
  };
  const templates = [...new Set(queries.map((q) => q.template))];
  const indices = (template?: string) =>
    queries.flatMap((q, i) => (!template || q.template === template ? [i] : []));
  return { rows: templates.map((t) => row(t, indices(t))), all: row('all', indices()) };
}

async function labelledQueries(deps: EvalDeps, queries: LabelledQuery[], stored: ReadonlySet<string>) {
  if (queries.length === 0) return { skipped: 'the --queries file has no valid line' };
  const ranked = await rank(
    deps,
    queries.map((q) => q.query),
  );
  const relevantNotStored = queries.reduce(
    (n, q) => n + q.relevant.filter((id) => !stored.has(id)).length,
    0,
  );
  const scores = rankingScores(
    queries.map((q, i) => ({ ranked: ranked[i] as string[], relevant: new Set(q.relevant) })),
  );
  return { ...scores, relevantNotStored };
}
