/**
 * Ranking metrics over the first `depth` results (10): a relevant item ranked below it counts as not found
 * (reciprocal rank 0), so MRR here is MRR@10.
 */
export const DEPTH = 10;

/** recall@k: share of the relevant items among the first k results. */
export function recallAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  return ranked.slice(0, k).filter((id) => relevant.has(id)).length / relevant.size;
}

/** precision@k: share of the first k results that are relevant (k in the denominator even when fewer came). */
export function precisionAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  return ranked.slice(0, k).filter((id) => relevant.has(id)).length / k;
}

/** 1 / rank of the first relevant result within `depth`, else 0. */
export function reciprocalRank(
  ranked: readonly string[],
  relevant: ReadonlySet<string>,
  depth = DEPTH,
): number {
  const at = ranked.slice(0, depth).findIndex((id) => relevant.has(id));
  return at < 0 ? 0 : 1 / (at + 1);
}

/** nDCG@k with binary gains: DCG of the ranking over the DCG of a ranking with every relevant item first. */
export function ndcgAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  const gain = (i: number) => 1 / Math.log2(i + 2);
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    if (relevant.has(id)) dcg += gain(i);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += gain(i);
  return ideal === 0 ? 0 : dcg / ideal;
}

/** Mean of `values`; 0 for none. */
export const mean = (values: readonly number[]): number =>
  values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;

/** The usual summary of one ranking per query with one or more relevant items. */
export interface RankingScores {
  queries: number;
  recallAt1: number;
  recallAt5: number;
  recallAt10: number;
  mrr: number;
  ndcgAt10: number;
}

/** Averages recall@1/5/10, MRR@10 and nDCG@10 over the queries. */
export function rankingScores(
  results: { ranked: readonly string[]; relevant: ReadonlySet<string> }[],
): RankingScores {
  const avg = (f: (r: (typeof results)[number]) => number) => mean(results.map(f));
  return {
    queries: results.length,
    recallAt1: avg((r) => recallAt(r.ranked, r.relevant, 1)),
    recallAt5: avg((r) => recallAt(r.ranked, r.relevant, 5)),
    recallAt10: avg((r) => recallAt(r.ranked, r.relevant, 10)),
    mrr: avg((r) => reciprocalRank(r.ranked, r.relevant)),
    ndcgAt10: avg((r) => ndcgAt(r.ranked, r.relevant, 10)),
  };
}
