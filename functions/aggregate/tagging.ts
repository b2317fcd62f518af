import { TAG_MARGIN_DEFAULT } from '#core/config.ts';
import { tagVocabularyKey } from '#core/contracts/run-layout.ts';
import { BlobNotFoundError, InputError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import { vocabularyHash } from '#core/tags/prompts.ts';
import { parseTagEmbeddings } from '#core/tags/tag-embeddings.ts';
import { tagVector } from '#core/tags/tagger.ts';
import type { AutoTags } from '#core/types.ts';
import type { TaggingSummary } from './types.ts';

/** Tags one product vector (the run's cached text vectors and threshold). */
export type Tagger = (vector: Float32Array) => AutoTags;

/** The run's tagger and the summary it fills, or why the run tags nothing. */
export interface Tagging {
  tag?: Tagger;
  summary: TaggingSummary;
}

/**
 * Reads the tag vocabulary's text vectors that the embed stage cached for the model
 * (`tagVocabularyKey(model, vocabularyHash())`). Without them (no embed with a text tower ran for this model and
 * vocabulary, or the blob is damaged) the run stores its products untagged and the summary says why; any other
 * error (the store unreachable) stops the run, as a batch read would.
 */
export async function loadTagging(
  blobs: BlobStore,
  model: { modelId: string; dim: number },
  threshold = TAG_MARGIN_DEFAULT,
): Promise<Tagging> {
  const hash = vocabularyHash();
  const key = tagVocabularyKey(model.modelId, hash);
  const summary: TaggingSummary = { key, threshold, productsTagged: 0, byGroup: {} };
  let bytes: Uint8Array;
  try {
    bytes = await blobs.get(key);
  } catch (error) {
    if (!(error instanceof BlobNotFoundError)) throw error;
    summary.skipped = `no tag vocabulary vectors at ${key}: the embed stage writes them when its text tower loads`;
    return { summary };
  }
  try {
    const embeddings = parseTagEmbeddings(bytes, key, { model: model.modelId, dim: model.dim, hash });
    return { tag: (vector) => tagVector(vector, embeddings, threshold), summary };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    summary.skipped = `${error.message}; delete it and the next embed writes it again`;
    return { summary };
  }
}

/** Counts a stored batch's tags into the run's summary. */
export function countTags(summary: TaggingSummary, tagged: AutoTags[]): void {
  for (const tags of tagged) {
    const groups = Object.keys(tags);
    if (groups.length > 0) summary.productsTagged++;
    for (const group of groups) summary.byGroup[group] = (summary.byGroup[group] ?? 0) + 1;
  }
}
