import { AutoTokenizer } from '@huggingface/transformers';
import type { ResolvedEmbedModel } from '../models/resolve.ts';
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
    // CLIP pools at the end token; like open_clip, a truncated text keeps its end token in the last slot.
    if (model.family === 'clip' && endId !== undefined) keepEndToken(encoded.input_ids, BigInt(endId));
    return encoded;
  };
}

// Sets the last token of every row that lost its end token to truncation back to the end token.
function keepEndToken(ids: { data: BigInt64Array; dims: number[] }, endId: bigint): void {
  const [rows, length] = ids.dims as [number, number];
  for (let r = 0; r < rows; r++) {
    const row = ids.data.subarray(r * length, (r + 1) * length);
    if (!row.includes(endId)) row[length - 1] = endId;
  }
}
