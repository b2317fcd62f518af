import { createHash } from 'node:crypto';
import { TAG_VOCABULARY, type TagGroup } from './vocabulary.ts';

/**
 * The prompt templates; `{description}` is a value's description with its article ("a red garment"). Each value's
 * text vector is the normalised mean of its templates' vectors (prompt ensembling, CLIP paper §3.1.4):
 *
 * - `a photo of {description}`: CLIP's default zero-shot prompt, which the FashionCLIP (CLIP-family) models keep;
 * - `{description}`: the short, title-like text Marqo-FashionCLIP and Marqo-FashionSigLIP were fine-tuned on
 *   (product titles, categories, colours) and that their model card and category/colour benchmarks query with.
 *
 * The group's noun ("garment", or the garment itself for `type`) ties an attribute to the clothing rather than
 * to the background or the model wearing it (docs/quality.md#auto-tags).
 */
export const TAG_TEMPLATES: readonly string[] = ['a photo of {description}', '{description}'];

/** One value's prompts. */
export interface ValuePrompts {
  group: string;
  value: string;
  texts: string[];
}

/** Every value's prompts, group by group in the vocabulary's order. */
export function tagPrompts(
  vocabulary: readonly TagGroup[] = TAG_VOCABULARY,
  templates: readonly string[] = TAG_TEMPLATES,
): ValuePrompts[] {
  return vocabulary.flatMap((group) =>
    group.values.map((value) => ({
      group: group.name,
      value,
      texts: templates.map((t) => t.replace('{description}', group.descriptions[value] as string)),
    })),
  );
}

/**
 * 16 hex digits of the SHA-256 of every group, value and prompt text: names the cached text vectors, so a change
 * to the vocabulary or the templates computes them again (core/contracts/run-layout.ts tagVocabularyKey).
 */
export function vocabularyHash(
  vocabulary: readonly TagGroup[] = TAG_VOCABULARY,
  templates: readonly string[] = TAG_TEMPLATES,
): string {
  const text = JSON.stringify(tagPrompts(vocabulary, templates).map((p) => [p.group, p.value, p.texts]));
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
