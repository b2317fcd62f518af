import type { AutoTags } from '#core/types.ts';
import { dot } from '#core/vectors.ts';
import type { TagEmbeddings } from './tag-embeddings.ts';

/** Margins are stored to this many decimals (cosine differences; finer digits are float noise). */
const MARGIN_DECIMALS = 4;
const SCALE = 10 ** MARGIN_DECIMALS;

/**
 * Zero-shot tags of one product vector: per group, the value whose text vector is nearest (cosine), with its
 * margin over the group's runner-up, kept only when that margin is at least `threshold` (and above 0: a tie tags
 * nothing). A tie for the best keeps the value listed first in the vocabulary.
 */
export function tagVector(vector: Float32Array, embeddings: TagEmbeddings, threshold: number): AutoTags {
  const tags: AutoTags = {};
  for (const group of embeddings.groups) {
    let best: { value: string; score: number } | undefined;
    let runnerUp = Number.NEGATIVE_INFINITY;
    for (const { value, vector: text } of group.values) {
      const score = dot(vector, text);
      if (best === undefined || score > best.score) {
        if (best) runnerUp = best.score;
        best = { value, score };
      } else if (score > runnerUp) {
        runnerUp = score;
      }
    }
    if (best === undefined || !Number.isFinite(runnerUp)) continue;
    const margin = Math.round((best.score - runnerUp) * SCALE) / SCALE;
    if (margin > 0 && margin >= threshold) tags[group.name] = { value: best.value, margin };
  }
  return tags;
}
