/** A tiny SigLIP-style (T5 SentencePiece unigram) tokenizer in the Hugging Face tokenizer.json format. */
export interface StandInUnigramTokenizer {
  /** Contents of tokenizer.json. */
  tokenizer: object;
  /** Contents of tokenizer_config.json. */
  tokenizerConfig: object;
  /** Contents of special_tokens_map.json. */
  specialTokensMap: object;
  /** Piece to id; whole words are `▁word`. */
  vocab: Map<string, number>;
  padId: number;
  eosId: number;
  unkId: number;
}

const SPACE = '\u2581';
const PAD = '<pad>';
const EOS = '</s>';
const UNK = '<unk>';
// Single characters the tokenizer can always fall back to (after canonicalisation text is lower case).
const CHARACTERS = 'abcdefghijklmnopqrstuvwxyz0123456789-';

/**
 * Builds a T5-layout unigram tokenizer (pad 0, end 1, unknown 2, as T5/SigLIP's spiece.model) whose pieces
 * make each of `words` one token; other words split into single characters.
 */
export function buildUnigramTokenizer(
  words: readonly string[],
  modelMaxLength = 64,
): StandInUnigramTokenizer {
  const pieces: [string, number][] = [
    [PAD, 0],
    [EOS, 0],
    [UNK, 0],
    [SPACE, -4],
  ];
  for (const word of words) {
    if (!/^[a-z]+$/.test(word)) throw new RangeError(`stand-in tokenizer word "${word}": expected a-z`);
    pieces.push([`${SPACE}${word}`, -1 - word.length / 100]);
  }
  for (const c of CHARACTERS) pieces.push([c, -10], [`${SPACE}${c}`, -9]);
  const vocab = new Map(pieces.map(([p], i) => [p, i]));
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const metaspace = { type: 'Metaspace', replacement: SPACE, prepend_scheme: 'always', split: true };
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, PAD), special(1, EOS), special(2, UNK)],
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }],
    },
    pre_tokenizer: metaspace,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: EOS, type_id: 0 } }],
      pair: [
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: EOS, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: EOS, type_id: 0 } },
      ],
      special_tokens: { [EOS]: { id: EOS, ids: [1], tokens: [EOS] } },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: 2, vocab: pieces, byte_fallback: false },
  };
  const specialTokensMap = { eos_token: EOS, pad_token: PAD, unk_token: UNK };
  const tokenizerConfig = {
    clean_up_tokenization_spaces: true,
    model_max_length: modelMaxLength,
    tokenizer_class: 'T5Tokenizer',
    extra_ids: 0,
    ...specialTokensMap,
  };
  return { tokenizer, tokenizerConfig, specialTokensMap, vocab, padId: 0, eosId: 1, unkId: 2 };
}
