import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { buildClipGraphs, STAND_IN_DIM, STAND_IN_WORDS } from './clip-graphs.ts';
import { buildClipTokenizer } from './clip-tokenizer.ts';
import { STAND_IN_LAYOUT } from './layout.ts';
import { buildClothGraph, buildSaliencyGraph } from './segment-graphs.ts';

/** Where writeStandInModels put each stand-in, plus which files it had to (re)write. */
export interface StandInPaths {
  root: string;
  /** transformers.js model folder of the stand-in CLIP (config.json, tokenizers, onnx/). */
  clipDir: string;
  /** u2net_cloth_seg stand-in. */
  clothFile: string;
  /** u2netp stand-in. */
  saliencyFile: string;
  /** Absolute paths written by this call; files already present with the right hash are skipped. */
  written: string[];
}

const SEED = 0x7f4a_7c15;

// FashionCLIP's onnx/preprocessor_config.json values (patrickjohncyh/fashion-clip, see reference notes §1).
const PREPROCESSOR_CONFIG = {
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

function clipConfig(vocabSize: number, bosId: number, eosId: number) {
  const tiny = { hidden_size: 16, intermediate_size: 32, num_attention_heads: 2, num_hidden_layers: 1 };
  return {
    _comment: 'Threadfinder stand-in: CLIP interface, meaningless weights.',
    architectures: ['CLIPModel'],
    model_type: 'clip',
    projection_dim: STAND_IN_DIM,
    logit_scale_init_value: 2.6592,
    text_config: {
      ...tiny,
      model_type: 'clip_text_model',
      vocab_size: vocabSize,
      max_position_embeddings: 77,
      projection_dim: STAND_IN_DIM,
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
      projection_dim: STAND_IN_DIM,
    },
    transformers_version: '4.37.2',
  };
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

// Relative path to bytes of every stand-in file; built once per process.
let contents: Map<string, Uint8Array | string> | undefined;

function buildContents(): Map<string, Uint8Array | string> {
  const tokenizer = buildClipTokenizer(STAND_IN_WORDS);
  const graphs = buildClipGraphs(tokenizer, SEED);
  const clip = STAND_IN_LAYOUT.clipDir;
  return new Map<string, Uint8Array | string>([
    [`${clip}/config.json`, json(clipConfig(tokenizer.vocab.size, tokenizer.bosId, tokenizer.eosId))],
    [`${clip}/preprocessor_config.json`, json(PREPROCESSOR_CONFIG)],
    [`${clip}/tokenizer.json`, json(tokenizer.tokenizer)],
    [`${clip}/tokenizer_config.json`, json(tokenizer.tokenizerConfig)],
    [`${clip}/special_tokens_map.json`, json(tokenizer.specialTokensMap)],
    [`${clip}/onnx/text_model.onnx`, graphs.text],
    [`${clip}/onnx/vision_model.onnx`, graphs.vision],
    [STAND_IN_LAYOUT.clothFile, buildClothGraph()],
    [STAND_IN_LAYOUT.saliencyFile, buildSaliencyGraph()],
  ]);
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

async function hashOf(file: string): Promise<string | undefined> {
  try {
    return sha256(await fs.readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

// Writes through a temporary name and a rename, so concurrent writers never expose half a file.
async function writeAtomically(file: string, data: Uint8Array | string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await fs.writeFile(temporary, data);
  await fs.rename(temporary, file);
}

/**
 * Generates the deterministic stand-in models (tiny, seeded, meaningless weights with the real
 * models' interfaces) under `rootDir`, rewriting only files whose content hash differs.
 */
export async function writeStandInModels(rootDir: string): Promise<StandInPaths> {
  const root = path.resolve(rootDir);
  contents ??= buildContents();
  const written: string[] = [];
  await Promise.all(
    [...contents].map(async ([relative, data]) => {
      const file = path.join(root, relative);
      if ((await hashOf(file)) === sha256(data)) return;
      await writeAtomically(file, data);
      written.push(file);
    }),
  );
  return {
    root,
    clipDir: path.join(root, STAND_IN_LAYOUT.clipDir),
    clothFile: path.join(root, STAND_IN_LAYOUT.clothFile),
    saliencyFile: path.join(root, STAND_IN_LAYOUT.saliencyFile),
    written: written.sort(),
  };
}
