import type { EmbedModelSpec } from '#core/model-spec.ts';
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
    // HF LFS pages at ef343cf: text_model.onnx 441,361,402 B; vision_model.onnx 372 MB (exact size not shown).
    file('onnx/text_model.onnx', {
      sizeBytes: 441_361_402,
      sha256: 'c1d501b23bddf27ba828c037b0780e44fdf47ca4c0b925ef190ab5bcf7aaf6e6',
    }),
    aboutMb('onnx/vision_model.onnx', 372, {
      sha256: 'a7e773846b27a699c45ba7e3978514b7fca420662d7e69e3b9226982f09f4a13',
    }),
    // The quantized graphs of the same upload (THREADFINDER_EMBED_DTYPE q8 / int8); no hash of any was seen.
    file('onnx/text_model_int8.onnx', { sizeBytes: 111_125_229 }),
    aboutMb('onnx/text_model_quantized.onnx', 111),
    file('onnx/vision_model_int8.onnx'),
    file('onnx/vision_model_quantized.onnx'),
  ],
  notes: [
    'Revision is the commit of PR #1 ("Upload ONNX weights ... + Transformers.js support"); later main commits changed preprocessor_config.json (adds do_convert_rgb, auto_map).',
    'Both graphs are checked against their full published sha256 (HF LFS details at ef343cf); vision_model.onnx was shown only as "372 MB", so its exact size is not pinned (the hash covers it).',
    'dim 768 is inferred from open_clip ViT-B-16-SigLIP (embed_dim 768); the embedder checks config.json where it states a width.',
    "Output names text_embeds / image_embeds follow the model card example; Xenova's generic SigLIP recipe names pooler_output, which the embedder also accepts.",
    "Text length 64 is the base open_clip context_length; Marqo's model_max_length and pad token are unconfirmed (read from tokenizer files at run time).",
    'Whether the graphs L2-normalise is unconfirmed; the embedder normalises either way.',
    'Quantized graphs (PR #1 uploaded 8 precisions of each tower): q8 = *_quantized.onnx, int8 = *_int8.onnx. text_model_int8.onnx is pinned by its exact published size (111,125,229 B); text_model_quantized.onnx was shown only as "111 MB"; no size was seen for the two vision graphs. No sha256 of any quantized graph was seen, so fetch records the computed sha256 in the manifest and says they are unpinned.',
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
    baseUrl: `${HF}/Marqo/marqo-fashionCLIP/resolve/3d4e0292c9f68cf0604d16b301ce4f24cab412b5`,
    revision: '3d4e0292c9f68cf0604d16b301ce4f24cab412b5',
    page: `${HF}/Marqo/marqo-fashionCLIP`,
  },
  files: [
    ...TRANSFORMERS_JS_FILES.map((p) => file(p)),
    // Merged commit 3d4e029 (PR #1): text_model.onnx 254,217,062 B (the PR's first commit ff2ff22 had an older upload).
    file('onnx/text_model.onnx', {
      sizeBytes: 254_217_062,
      sha256: 'ccc2b8d0958767bac1850a5ba472098cda80e6faac837fe2fe595d74dd4d4c7b',
    }),
    // Only the ff2ff22 page of vision_model.onnx was found (345 MB, sha256 17ee722d…60c6); not pinned, see notes.
    aboutMb('onnx/vision_model.onnx', 345),
    // Quantized graphs (q8 / int8): sizes seen at other commits only, so they are caps, not pins; no hashes.
    file('onnx/text_model_int8.onnx', { approxBytes: 64_358_658 }),
    file('onnx/text_model_quantized.onnx'),
    file('onnx/vision_model_int8.onnx'),
    aboutMb('onnx/vision_model_quantized.onnx', 87.3),
  ],
  notes: [
    'Licence: apache-2.0 in the card front matter (commit dd14a75); the first commit said mit.',
    "Revision 3d4e029 is the merge of PR #1 (ff2ff22 was the PR branch's first commit, before config.json and preprocessor_config.json were added and with an older text_model.onnx upload).",
    'vision_model.onnx at 3d4e029: no page with its size or hash was found. At ff2ff22 it was 345 MB, sha256 17ee722defe1a12fd48123fccc3575657891dc7deac4030ab719994886e260c6, and the vision_model_int8 / _q4 hashes are identical at both commits, so it is probably the same file; unconfirmed, so it is not enforced (fetch records the computed sha256 in the manifest).',
    'preprocessor_config.json at 3d4e029 is the PR #1 version (519 B: CLIP mean/std, shortest_edge 224, crop 224); the later 544 B version (AutoModel support) is not used.',
    'dim 512 and context 77 come from open_clip_config.json (commit a5a23fc).',
    'Quantized graphs (the same 8-precision layout as Marqo-FashionSigLIP): q8 = *_quantized.onnx, int8 = *_int8.onnx. text_model_int8.onnx was 64,358,658 B at ff2ff22, but the fp32 text graph changed between ff2ff22 and 3d4e029, so that size only caps the download; vision_model_quantized.onnx was shown as 87.3 MB (commit 9a64d06); no size was seen for text_model_quantized.onnx or vision_model_int8.onnx. No sha256 of any quantized graph is known: fetch records the computed sha256 in the manifest and says they are unpinned.',
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
    // q8 only: the export has *_quantized.onnx and no *_int8.onnx.
    aboutMb('onnx/text_model_quantized.onnx', 64.5),
    aboutMb('onnx/vision_model_quantized.onnx', 89.1),
  ],
  notes: [
    'Revision fd7b9b9 ("Upload 14 files") stays a short hash: no page we could read shows its 40-digit form or any file hash of this repository (a third-party script pins ff13/fashion-clip at 0f99955d944c39bfd9d035a02ac273c7a44a406b, which cannot be tied to fd7b9b9 offline). Without a full revision nothing is enforced; fetch records each computed sha256 and size in the manifest.',
    "The authors' own ONNX (patrickjohncyh/fashion-clip onnx/model.onnx, 605,804,513 B) is one combined graph that needs text and image together, so the split re-export is used.",
    'Root file names are unconfirmed; they follow the Xenova CLIP layout this export appears to copy. No hashes seen.',
    'FashionCLIP tokenizer_config.json has no model_max_length; the embedder enforces 77 tokens itself.',
    'Precisions: fp32 and q8 (onnx/*_quantized.onnx, 64.5 MB text and 89.1 MB vision, as on the tree page); the export has no int8 graphs. No hashes seen.',
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
