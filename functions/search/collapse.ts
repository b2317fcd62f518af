import type { Hit } from '#core/types.ts';
import { dot } from '#core/vectors.ts';

/** Default cosine at or above which two products count as the same thing (THREADFINDER_DUPLICATE_THRESHOLD). */
export const DEFAULT_DUPLICATE_THRESHOLD = 0.98;

/** Most candidates one search asks the store for, however many duplicates it meets. */
export const MAX_CANDIDATES = 500;

/** How many candidates to ask the store for to find `k` distinct ones on a first try. */
export function candidateCount(k: number): number {
  return Math.min(k * 3 + 5, MAX_CANDIDATES);
}

/**
 * Keeps, in order, the first `k` candidates whose cosine to `anchor` and to every candidate already kept is
 * below `threshold`. Vectors must be unit length (as stored), so a dot product is the cosine.
 */
export function collapseNearDuplicates(
  anchor: Float32Array,
  candidates: readonly Hit[],
  k: number,
  threshold: number,
): Hit[] {
  const kept: Hit[] = [];
  for (const hit of candidates) {
    if (kept.length >= k) break;
    const v = hit.record.vector;
    if (v.length !== anchor.length || dot(anchor, v) >= threshold) continue;
    if (kept.some((other) => dot(other.record.vector, v) >= threshold)) continue;
    kept.push(hit);
  }
  return kept;
}
