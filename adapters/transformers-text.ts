import { AutoTokenizer, Tensor } from '@huggingface/transformers';
import type { ResolvedEmbedModel } from '#core/resolved-models.ts';
import { pretrainedOptions } from './transformers-env.ts';

/** Token ids (and the tokenizer's other outputs) for a batch of texts, as the text graph takes them. */
export interface EncodedTexts {
  input_ids: { data: BigInt64Array; dims: number[] };
  [key: string]: unknown;
}

// Python's string.punctuation, which Marqo's processor strips.
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
};

// html.unescape for numeric references and the common named ones (Python knows all of HTML5's).
function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/**
 * Marqo's SigLIP text cleaning (marqo_fashionSigLIP.py `_clean_canonicalize`, from big_vision): HTML-unescape
 * twice, underscores to spaces, drop ASCII punctuation, lower case, collapse whitespace. ftfy's mojibake repair
 * is not reproduced.
 */
export function canonicalizeText(text: string): string {
  const unescaped = unescapeHtml(unescapeHtml(text)).trim();
  return unescaped
    .replace(/_/g, ' ')
    .replace(PUNCTUATION, '')
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
}

/** A tokenizer loaded from the model's tokenizer.json / tokenizer_config.json, called as the authors call it. */
export type Tokenize = (texts: string[]) => EncodedTexts;

/** Loads the model's own tokenizer and returns the function that pads, truncates and cleans as the authors do. */
export async function loadTokenize(model: ResolvedEmbedModel): Promise<Tokenize> {
  const tokenizer = await AutoTokenizer.from_pretrained(model.dir, pretrainedOptions());
  const padding = model.textPadding === 'max_length' ? ('max_length' as const) : true;
  const endId = tokenizer.eos_token_id as number | undefined;
  return (texts) => {
    const cleaned = model.textClean === 'canonicalize' ? texts.map(canonicalizeText) : texts;
    const encoded = tokenizer(cleaned, {
      padding,
      truncation: true,
      max_length: model.textMaxLength,
    }) as unknown as EncodedTexts;
    // The Python tokenizers truncate before adding the end token, so a truncated text keeps it in the last slot
    // (transformers.js truncates after adding it). CLIP pools at the end token; SigLIP saw it in training.
    if (endId !== undefined) keepEndToken(encoded.input_ids, BigInt(endId));
    if (model.family === 'siglip') return withoutMask(encoded);
    return encoded;
  };
}

/**
 * SigLIP's text tower was trained without an attention mask (open_clip feeds token ids only; padding is attended
 * to and the last position is pooled). A graph that declares `attention_mask` therefore gets all ones, which is
 * the same computation as no mask; a graph that does not declare it gets token ids only.
 */
function withoutMask(encoded: EncodedTexts): EncodedTexts {
  const { input_ids } = encoded;
  const ones = new BigInt64Array(input_ids.data.length).fill(1n);
  const attention_mask = new Tensor('int64', ones, [...input_ids.dims]);
  return { input_ids, attention_mask };
}

// Sets the last token of every row that lost its end token to truncation back to the end token.
function keepEndToken(ids: { data: BigInt64Array; dims: number[] }, endId: bigint): void {
  const [rows, length] = ids.dims as [number, number];
  for (let r = 0; r < rows; r++) {
    const row = ids.data.subarray(r * length, (r + 1) * length);
    if (!row.includes(endId)) row[length - 1] = endId;
  }
}
