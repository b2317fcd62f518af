import { tagVocabularyKey } from '#core/contracts/run-layout.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { TextEmbedder } from '#core/ports/models.ts';
import { vocabularyHash } from '#core/tags/prompts.ts';
import { computeTagEmbeddings, encodeTagEmbeddings } from '#core/tags/tag-embeddings.ts';
import type { EmbedDeps } from './run-embed.ts';

/**
 * What the embed stage adds to its deps for the tag vocabulary: the model's text tower, opened only when the
 * vocabulary's text vectors are not cached yet. Absent where no text tower is wired (tests): nothing is cached.
 */
export interface TagVocabularyDeps {
  tagTextTower?: () => Promise<TextEmbedder>;
}

/** The embed stage's deps with the tag vocabulary's. */
export type EmbedStageDeps = EmbedDeps & TagVocabularyDeps;

/** What ensureTagVocabulary did. */
export type TagVocabularyOutcome =
  | { status: 'present' | 'written'; key: string }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; key: string; error: string };

/** Keys this process has seen or written, and computations in flight: once per model and vocabulary per process. */
const known = new Set<string>();
const inFlight = new Map<string, Promise<TagVocabularyOutcome>>();

/**
 * Makes sure the tag vocabulary's text vectors for the embedder's model are in the blob store
 * (`tagVocabularyKey(model, vocabularyHash())`), computing them with the text tower when absent; the aggregate
 * step reads them to tag the products (it is a zip function without the models). Existence is checked by listing
 * (the embed function may list the bucket and write `runs/`, not read it). Never throws: tags are an extra, so a
 * text tower that fails to load or a write that fails leaves the batch embedded, and the aggregate's summary says
 * that tagging was skipped.
 */
export async function ensureTagVocabulary(deps: EmbedStageDeps): Promise<TagVocabularyOutcome> {
  const { tagTextTower } = deps;
  if (!tagTextTower) return { status: 'skipped', reason: 'no text tower is wired to the embed stage' };
  const key = tagVocabularyKey(deps.embedder.modelId, vocabularyHash());
  if (known.has(key)) return { status: 'present', key };
  let pending = inFlight.get(key);
  if (!pending) {
    pending = writeIfAbsent(deps.blobs, key, deps.embedder, tagTextTower).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function writeIfAbsent(
  blobs: BlobStore,
  key: string,
  image: { modelId: string; dim: number },
  tower: () => Promise<TextEmbedder>,
): Promise<TagVocabularyOutcome> {
  try {
    if ((await blobs.list(key)).includes(key)) {
      known.add(key);
      return { status: 'present', key };
    }
    const text = await tower();
    if (text.modelId !== image.modelId || text.dim !== image.dim) {
      return {
        status: 'skipped',
        reason: `the text tower is ${text.modelId} (${text.dim}-d), the image tower ${image.modelId} (${image.dim}-d)`,
      };
    }
    await blobs.put(key, encodeTagEmbeddings(await computeTagEmbeddings(text)), 'application/json');
    known.add(key);
    return { status: 'written', key };
  } catch (error) {
    return { status: 'failed', key, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Forgets what this process knows of the cache (tests). */
export function forgetTagVocabularyCache(): void {
  known.clear();
}
