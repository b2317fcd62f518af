import { EMBED_DTYPES } from '#core/config.ts';
import { towerGraph } from '#models/dtypes.ts';
import { buildClipTokenizer } from './clip-tokenizer.ts';
import { buildDualEncoderGraphs, type DualEncoderGraphs } from './embed-graphs.ts';
import { STAND_IN_LAYOUT } from './layout.ts';
import { buildUnigramTokenizer } from './siglip-tokenizer.ts';
import { COLOUR_WORDS, STAND_IN_WORDS } from './words.ts';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The graphs of every precision under transformers.js's names: onnx/<tower>_model{,_quantized,_int8}.onnx. */
const graphFiles = (dir: string, graphs: DualEncoderGraphs): [string, Uint8Array][] =>
  EMBED_DTYPES.flatMap((dtype) => [
    [`${dir}/${towerGraph('text', dtype)}`, graphs[dtype].text],
    [`${dir}/${towerGraph('vision', dtype)}`, graphs[dtype].vision],
  ]);

const SEED = 0x7f4a_7c15;
/** Output widths of the stand-ins, as FashionCLIP's projection_dim and SigLIP base's hidden size. */
export const STAND_IN_DIMS = { clip: 512, siglip: 768 } as const;
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

// FashionCLIP's onnx/preprocessor_config.json values (patrickjohncyh/fashion-clip, see reference notes §1).
const CLIP_PREPROCESSOR_CONFIG = {
  crop_size: { height: 224, width: 224 },
  do_center_crop: true,
  do_convert_rgb: true,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_processor_type: 'CLIPImageProcessor',
  image_std: [0.26862954, 0.26130258, 0.27577711],
  processor_class: 'CLIPProcessor',
  resample: 3,
  rescale_factor: 1 / 255,
  size: { shortest_edge: 224 },
};

// Marqo-FashionSigLIP preprocessor_config.json (PR #1 version, plus the later do_convert_rgb).
const SIGLIP_PREPROCESSOR_CONFIG = {
  do_convert_rgb: true,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.5, 0.5, 0.5],
  image_processor_type: 'SiglipImageProcessor',
  image_std: [0.5, 0.5, 0.5],
  processor_class: 'SiglipProcessor',
  resample: 3,
  rescale_factor: 1 / 255,
  size: { height: 224, width: 224 },
};

function siglipConfig(vocabSize: number, padId: number, eosId: number) {
  const tower = { hidden_size: STAND_IN_DIMS.siglip, num_attention_heads: 12, num_hidden_layers: 1 };
  return {
    _comment: 'Threadfinder stand-in: SigLIP interface, meaningless weights.',
    architectures: ['SiglipModel'],
    model_type: 'siglip',
    text_config: {
      ...tower,
      model_type: 'siglip_text_model',
      vocab_size: vocabSize,
      max_position_embeddings: 64,
      pad_token_id: padId,
      eos_token_id: eosId,
    },
    vision_config: { ...tower, model_type: 'siglip_vision_model', image_size: 224, patch_size: 16 },
  };
}

function clipConfig(vocabSize: number, bosId: number, eosId: number) {
  const tiny = { hidden_size: 16, intermediate_size: 32, num_attention_heads: 2, num_hidden_layers: 1 };
  return {
    _comment: 'Threadfinder stand-in: CLIP interface, meaningless weights.',
    architectures: ['CLIPModel'],
    model_type: 'clip',
    projection_dim: STAND_IN_DIMS.clip,
    logit_scale_init_value: 2.6592,
    text_config: {
      ...tiny,
      model_type: 'clip_text_model',
      vocab_size: vocabSize,
      max_position_embeddings: 77,
      projection_dim: STAND_IN_DIMS.clip,
      bos_token_id: bosId,
      eos_token_id: eosId,
      pad_token_id: eosId,
    },
    vision_config: {
      ...tiny,
      model_type: 'clip_vision_model',
      image_size: 224,
      patch_size: 56,
      num_channels: 3,
      projection_dim: STAND_IN_DIMS.clip,
    },
    transformers_version: '4.37.2',
  };
}

function colourIds(vocab: Map<string, number>, token: (word: string) => string) {
  const ids = new Map<number, readonly [number, number, number]>();
  for (const [word, rgb] of Object.entries(COLOUR_WORDS)) {
    const id = vocab.get(token(word));
    if (id !== undefined) ids.set(id, rgb);
  }
  return ids;
}

/** Relative path and content of every file of the stand-in CLIP folder. */
export function clipFiles(): [string, Uint8Array | string][] {
  const tokenizer = buildClipTokenizer(STAND_IN_WORDS);
  const graphs = buildDualEncoderGraphs({
    family: 'clip',
    dim: STAND_IN_DIMS.clip,
    mean: CLIP_MEAN,
    std: CLIP_STD,
    vocabSize: tokenizer.vocab.size,
    colourIds: colourIds(tokenizer.vocab, (w) => `${w}</w>`),
    zeroIds: new Set([tokenizer.eosId]),
    dampedIds: new Set([tokenizer.bosId]),
    seed: SEED,
  });
  const dir = STAND_IN_LAYOUT.clipDir;
  return [
    [`${dir}/config.json`, json(clipConfig(tokenizer.vocab.size, tokenizer.bosId, tokenizer.eosId))],
    [`${dir}/preprocessor_config.json`, json(CLIP_PREPROCESSOR_CONFIG)],
    [`${dir}/tokenizer.json`, json(tokenizer.tokenizer)],
    [`${dir}/tokenizer_config.json`, json(tokenizer.tokenizerConfig)],
    [`${dir}/special_tokens_map.json`, json(tokenizer.specialTokensMap)],
    ...graphFiles(dir, graphs),
  ];
}

/**
 * Relative path and content of every file of the stand-in SigLIP folder; `textAttentionMask` makes a text graph
 * that also declares an attention_mask input (for tests of what is fed to it).
 */
export function siglipFiles(
  options: { textAttentionMask?: boolean; textExtraInputs?: readonly string[] } = {},
): [string, Uint8Array | string][] {
  const tokenizer = buildUnigramTokenizer(STAND_IN_WORDS);
  const graphs = buildDualEncoderGraphs({
    family: 'siglip',
    dim: STAND_IN_DIMS.siglip,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    vocabSize: tokenizer.vocab.size,
    colourIds: colourIds(tokenizer.vocab, (w) => `\u2581${w}`),
    zeroIds: new Set([tokenizer.padId]),
    dampedIds: new Set([tokenizer.eosId]),
    seed: SEED + 1,
    textAttentionMask: options.textAttentionMask,
    textExtraInputs: options.textExtraInputs,
  });
  const dir = STAND_IN_LAYOUT.siglipDir;
  return [
    [`${dir}/config.json`, json(siglipConfig(tokenizer.vocab.size, tokenizer.padId, tokenizer.eosId))],
    [`${dir}/preprocessor_config.json`, json(SIGLIP_PREPROCESSOR_CONFIG)],
    [`${dir}/tokenizer.json`, json(tokenizer.tokenizer)],
    [`${dir}/tokenizer_config.json`, json(tokenizer.tokenizerConfig)],
    [`${dir}/special_tokens_map.json`, json(tokenizer.specialTokensMap)],
    ...graphFiles(dir, graphs),
  ];
}
