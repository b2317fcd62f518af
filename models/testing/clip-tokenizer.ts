/** A tiny CLIP-style byte-level BPE tokenizer in the Hugging Face tokenizer.json format. */
export interface StandInTokenizer {
  /** Contents of tokenizer.json. */
  tokenizer: object;
  /** Contents of tokenizer_config.json. */
  tokenizerConfig: object;
  /** Contents of special_tokens_map.json. */
  specialTokensMap: object;
  /** Token string to id; whole words of the word list end in `</w>`. */
  vocab: Map<string, number>;
  bosId: number;
  eosId: number;
}

const BOS = '<|startoftext|>';
const EOS = '<|endoftext|>';
const SUFFIX = '</w>';

// GPT-2's reversible byte to printable-character map, in its canonical order.
function byteChars(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const bytes = [...printable];
  const codes = [...printable];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!printable.includes(b)) {
      bytes.push(b);
      codes.push(256 + n++);
    }
  }
  return codes.map((c) => String.fromCodePoint(c));
}

// Applies merges by rank, lowest first, leftmost on ties (as tokenizers' BPE does).
function applyMerges(symbols: string[], ranks: Map<string, number>): string[] {
  const s = [...symbols];
  for (;;) {
    let best = -1;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 1 < s.length; i++) {
      const rank = ranks.get(`${s[i]} ${s[i + 1]}`);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = i;
      }
    }
    if (best < 0) return s;
    s.splice(best, 2, `${s[best]}${s[best + 1]}`);
  }
}

/** Builds a tokenizer whose merges turn each of `words` (lower-case ASCII letters) into one token. */
export function buildClipTokenizer(words: readonly string[], modelMaxLength = 77): StandInTokenizer {
  const chars = byteChars();
  const tokens = [...chars, ...chars.map((c) => `${c}${SUFFIX}`)];
  const merges: string[] = [];
  const ranks = new Map<string, number>();
  const known = new Set(tokens);
  for (const word of words) {
    if (!/^[a-z]+$/.test(word))
      throw new RangeError(`stand-in tokenizer word "${word}": expected lower-case a-z`);
    const symbols = [...word];
    symbols[symbols.length - 1] += SUFFIX;
    for (let parts = applyMerges(symbols, ranks); parts.length > 1; parts = applyMerges(symbols, ranks)) {
      const [a, b] = parts as [string, string];
      ranks.set(`${a} ${b}`, merges.length);
      merges.push(`${a} ${b}`);
      if (!known.has(a + b)) {
        known.add(a + b);
        tokens.push(a + b);
      }
    }
  }
  const vocab = new Map(tokens.map((t, i) => [t, i]));
  const bosId = tokens.length;
  const eosId = tokens.length + 1;
  vocab.set(BOS, bosId);
  vocab.set(EOS, eosId);
  const added = (id: number, content: string, normalized: boolean) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized,
    special: true,
  });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [added(bosId, BOS, true), added(eosId, EOS, false)],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: {
            Regex:
              "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
          },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [EOS, eosId],
      cls: [BOS, bosId],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: EOS,
      continuing_subword_prefix: '',
      end_of_word_suffix: SUFFIX,
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  };
  const specialTokensMap = { bos_token: BOS, eos_token: EOS, pad_token: EOS, unk_token: EOS };
  const tokenizerConfig = {
    add_prefix_space: false,
    clean_up_tokenization_spaces: true,
    do_lower_case: true,
    errors: 'replace',
    model_max_length: modelMaxLength,
    tokenizer_class: 'CLIPTokenizer',
    ...specialTokensMap,
  };
  return { tokenizer, tokenizerConfig, specialTokensMap, vocab, bosId, eosId };
}
