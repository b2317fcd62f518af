import { z } from 'zod';
import { InputError } from '#core/errors.ts';
import { parseJson } from '#core/json-bytes.ts';
import type { TextEmbedder } from '#core/ports/models.ts';
import { decodeVector, encodeVector } from '#core/vector-codec.ts';
import { meanOfUnitVectors } from '#core/vectors.ts';
import { formatIssues } from '#core/zod-issues.ts';
import { TAG_TEMPLATES, tagPrompts, vocabularyHash } from './prompts.ts';
import { TAG_VOCABULARY, type TagGroup } from './vocabulary.ts';

/** The text vectors of the vocabulary for one model: one unit vector per value, group by group. */
export interface TagEmbeddings {
  model: string;
  dim: number;
  /** vocabularyHash() of the vocabulary and templates that produced them. */
  hash: string;
  groups: { name: string; values: { value: string; vector: Float32Array }[] }[];
}

const FORMAT = 'threadfinder-tag-vocabulary';

const blobSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  model: z.string().min(1),
  dim: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{16}$/),
  templates: z.array(z.string()),
  groups: z
    .array(
      z.object({
        name: z.string().min(1),
        values: z
          .array(z.object({ value: z.string().min(1), prompts: z.array(z.string()), vector: z.string() }))
          .min(2),
      }),
    )
    .min(1),
});

/**
 * Embeds every value's prompts with the model's text tower (one call) and averages each value's templates into
 * one unit vector.
 */
export async function computeTagEmbeddings(
  text: TextEmbedder,
  vocabulary: readonly TagGroup[] = TAG_VOCABULARY,
  templates: readonly string[] = TAG_TEMPLATES,
): Promise<TagEmbeddings> {
  const prompts = tagPrompts(vocabulary, templates);
  const vectors = await text.embedTexts(prompts.flatMap((p) => p.texts));
  if (vectors.length !== prompts.length * templates.length) {
    throw new InputError(
      `the text tower returned ${vectors.length} vectors for ${prompts.length * templates.length} texts`,
    );
  }
  let at = 0;
  const byValue = prompts.map((p) => {
    const own = vectors.slice(at, at + p.texts.length);
    at += p.texts.length;
    if (own.some((v) => v.length !== text.dim || !v.every(Number.isFinite))) {
      throw new InputError(`the text tower gave no finite ${text.dim}-d vector for "${p.texts[0]}"`);
    }
    return { ...p, vector: meanOfUnitVectors(own) };
  });
  return {
    model: text.modelId,
    dim: text.dim,
    hash: vocabularyHash(vocabulary, templates),
    groups: vocabulary.map((g) => ({
      name: g.name,
      values: byValue.filter((p) => p.group === g.name).map(({ value, vector }) => ({ value, vector })),
    })),
  };
}

/** The cache blob: JSON with the prompts (for people reading it) and base64 float32 vectors. */
export function encodeTagEmbeddings(
  embeddings: TagEmbeddings,
  vocabulary: readonly TagGroup[] = TAG_VOCABULARY,
  templates: readonly string[] = TAG_TEMPLATES,
): Uint8Array {
  const prompts = new Map(
    tagPrompts(vocabulary, templates).map((p) => [`${p.group}\u0000${p.value}`, p.texts]),
  );
  const blob: z.infer<typeof blobSchema> = {
    format: FORMAT,
    version: 1,
    model: embeddings.model,
    dim: embeddings.dim,
    hash: embeddings.hash,
    templates: [...templates],
    groups: embeddings.groups.map((g) => ({
      name: g.name,
      values: g.values.map(({ value, vector }) => ({
        value,
        prompts: prompts.get(`${g.name}\u0000${value}`) ?? [],
        vector: encodeVector(vector),
      })),
    })),
  };
  return new TextEncoder().encode(`${JSON.stringify(blob)}\n`);
}

/**
 * Parses a cache blob; throws InputError naming `key` when it is malformed, of another model or width, or of
 * another vocabulary (`hash`).
 */
export function parseTagEmbeddings(
  bytes: Uint8Array,
  key: string,
  expect: { model: string; dim: number; hash: string },
): TagEmbeddings {
  const fail = (m: string) => new InputError(m, 'invalid_tag_vocabulary');
  const parsed = blobSchema.safeParse(parseJson(bytes, `tag vocabulary ${key}`, fail));
  if (!parsed.success) throw fail(`tag vocabulary ${key} is invalid: ${formatIssues(parsed.error)}`);
  const blob = parsed.data;
  if (blob.model !== expect.model || blob.dim !== expect.dim || blob.hash !== expect.hash) {
    throw fail(
      `tag vocabulary ${key} holds ${blob.model} (${blob.dim}-d, vocabulary ${blob.hash}); ` +
        `expected ${expect.model} (${expect.dim}-d, vocabulary ${expect.hash})`,
    );
  }
  return {
    model: blob.model,
    dim: blob.dim,
    hash: blob.hash,
    groups: blob.groups.map((g) => ({
      name: g.name,
      values: g.values.map(({ value, vector }) => ({
        value,
        vector: decodeVector(vector, { dim: blob.dim, where: `${key} ${g.name}=${value}` }),
      })),
    })),
  };
}
