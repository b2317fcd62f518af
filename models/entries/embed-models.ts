import type { EmbedModelSpec } from '../model-spec.ts';
import {
  aboutMb,
  CLIP_PREPROCESSING,
  embeds,
  file,
  pixels,
  SIGLIP_PREPROCESSING,
  TRANSFORMERS_JS_FILES,
  textIn,
} from './shared.ts';

// Facts below come from /work/shared/reference/model-interfaces.md (model cards, config files, commit pages),
// xenova/transformers.js scripts/extra/{clip,siglip}.py and Marqo's marqo_fashionSigLIP.py processor.

const HF = 'https://huggingface.co';

/** Marqo-FashionSigLIP: best published fashion text-to-image recall among the supported models. */
export const marqoFashionSiglip: EmbedModelSpec = {
  id: 'marqo-fashion-siglip',
  name: 'Marqo-FashionSigLIP',
  task: 'embed',
  standIn: false,
  licence: 'Apache-2.0',
  source: {
    baseUrl: `${HF}/Marqo/marqo-fashionSigLIP/resolve/ef343cf10da5bbc6f069ebb3519e50009d3c11c8`,
    revision: 'ef343cf10da5bbc6f069ebb3519e50009d3c11c8',
    page: `${HF}/Marqo/marqo-fashionSigLIP`,
  },
  files: [
    file('config.json'),
    file('preprocessor_config.json', { approxBytes: 367 }),
    aboutMb('tokenizer.json', 2.42),
    file('tokenizer_config.json', { approxBytes: 20_600 }),
    // HF LFS pages: text_model.onnx 441,361,402 B, sha256 c1d501b2…aaf6e6; vision_model.onnx 372 MB, a7e77384…f09f4a13.
    file('onnx/text_model.onnx', {
      sizeBytes: 441_361_402,
      sha256Hint: { prefix: 'c1d501b2', suffix: 'aaf6e6' },
    }),
    aboutMb('onnx/vision_model.onnx', 372, { sha256Hint: { prefix: 'a7e77384', suffix: 'f09f4a13' } }),
  ],
  notes: [
    'Revision is the commit of PR #1 ("Upload ONNX weights ... + Transformers.js support"); later main commits changed preprocessor_config.json (adds do_convert_rgb, auto_map).',
    'Only the start and end of the sha256 hashes were published on the pages seen; fetch checks those and records the full hash.',
    'dim 768 is inferred from open_clip ViT-B-16-SigLIP (embed_dim 768); the embedder checks config.json where it states a width.',
    "Output names text_embeds / image_embeds follow the model card example; Xenova's generic SigLIP recipe names pooler_output, which the embedder also accepts.",
    "Text length 64 is the base open_clip context_length; Marqo's model_max_length and pad token are unconfirmed (read from tokenizer files at run time).",
    'Whether the graphs L2-normalise is unconfirmed; the embedder normalises either way.',
  ],
  family: 'siglip',
  dim: 768,
  folder: '.',
  // Card: tokenizer(texts, { padding: 'max_length', truncation: true }); Marqo's processor canonicalises text first
  // (marqo_fashionSigLIP.py `_clean_canonicalize`: lower case, punctuation removed, whitespace collapsed).
  text: {
    input: textIn(),
    output: embeds('text_embeds', 768),
    maxLength: 64,
    padding: 'max_length',
    clean: 'canonicalize',
  },
  vision: { input: pixels, output: embeds('image_embeds', 768) },
  preprocessing: SIGLIP_PREPROCESSING,
};

/** Marqo-FashionCLIP (ViT-B/16, open_clip), in the same transformers.js split layout. */
export const marqoFashionClip: EmbedModelSpec = {
  id: 'marqo-fashion-clip',
  name: 'Marqo-FashionCLIP',
  task: 'embed',
  standIn: false,
  licence: 'Apache-2.0',
  source: {
    baseUrl: `${HF}/Marqo/marqo-fashionCLIP/resolve/ff2ff22a25028a0cff7c5e8335e7d8c305977b9f`,
    revision: 'ff2ff22a25028a0cff7c5e8335e7d8c305977b9f',
    page: `${HF}/Marqo/marqo-fashionCLIP`,
  },
  files: [
    ...TRANSFORMERS_JS_FILES.map((p) => file(p)),
    // Commit ff2ff22: text_model.onnx 254,217,134 B, sha256 bc595686…0aa746.
    file('onnx/text_model.onnx', {
      sizeBytes: 254_217_134,
      sha256Hint: { prefix: 'bc595686', suffix: '0aa746' },
    }),
    file('onnx/vision_model.onnx'),
  ],
  notes: [
    'Licence: apache-2.0 in the card front matter (commit dd14a75); the first commit said mit.',
    'vision_model.onnx size and hash were not seen (only the quantized variant, 87.3 MB).',
    'Preprocessor values are those of the PR #1 version (CLIP mean/std, shortest_edge 224, crop 224); the current 544 B version is unconfirmed.',
    'dim 512 and context 77 come from open_clip_config.json (commit a5a23fc).',
  ],
  family: 'clip',
  dim: 512,
  folder: '.',
  // Card: CLIPTextModelWithProjection / CLIPVisionModelWithProjection, outputs text_embeds / image_embeds.
  text: {
    input: textIn(),
    output: embeds('text_embeds', 512),
    maxLength: 77,
    padding: 'longest',
    clean: 'none',
  },
  vision: { input: pixels, output: embeds('image_embeds', 512) },
  preprocessing: CLIP_PREPROCESSING,
};

/** FashionCLIP 2.0 (patrickjohncyh/fashion-clip) in ff13's transformers.js split export. */
export const fashionClip: EmbedModelSpec = {
  id: 'fashion-clip',
  name: 'FashionCLIP 2.0 (transformers.js split export, ff13/fashion-clip)',
  task: 'embed',
  standIn: false,
  licence: 'MIT',
  source: {
    baseUrl: `${HF}/ff13/fashion-clip/resolve/fd7b9b9`,
    revision: 'fd7b9b9',
    page: `${HF}/ff13/fashion-clip`,
  },
  files: [
    ...TRANSFORMERS_JS_FILES.map((p) => file(p)),
    aboutMb('onnx/text_model.onnx', 254),
    aboutMb('onnx/vision_model.onnx', 352),
  ],
  notes: [
    'Revision fd7b9b9 ("Upload 14 files") is a short hash; expand it to 40 hex digits before relying on it.',
    "The authors' own ONNX (patrickjohncyh/fashion-clip onnx/model.onnx, 605,804,513 B) is one combined graph that needs text and image together, so the split re-export is used.",
    'Root file names are unconfirmed; they follow the Xenova CLIP layout this export appears to copy. No hashes seen.',
    'FashionCLIP tokenizer_config.json has no model_max_length; the embedder enforces 77 tokens itself.',
  ],
  family: 'clip',
  dim: 512,
  folder: '.',
  // Split export (xenova scripts/extra/clip.py): CLIP{Text,Vision}ModelWithProjection, projected, not normalised.
  text: {
    input: textIn(),
    output: embeds('text_embeds', 512),
    maxLength: 77,
    padding: 'longest',
    clean: 'none',
  },
  vision: { input: pixels, output: embeds('image_embeds', 512) },
  preprocessing: CLIP_PREPROCESSING,
};
