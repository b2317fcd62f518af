import type { EmbedModelSpec, ModelSpec, Rgb, SegmentModelSpec, TensorSpec } from './model-spec.ts';
import { STAND_IN_LAYOUT } from './testing/layout.ts';

// Facts below come from /work/shared/reference/model-interfaces.md (model cards, config files and
// rembg's sessions code); sizes and hashes are null wherever no source gave the exact value.

// CLIP's normalisation (FashionCLIP onnx/preprocessor_config.json `image_mean` / `image_std`).
const CLIP_MEAN: Rgb = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD: Rgb = [0.26862954, 0.26130258, 0.27577711];
// rembg's ImageNet statistics (rembg/sessions/u2net_cloth_seg.py and u2netp.py, `self.normalize(...)`).
const IMAGENET_MEAN: Rgb = [0.485, 0.456, 0.406];
const IMAGENET_STD: Rgb = [0.229, 0.224, 0.225];

const file = (path: string, sizeBytes: number | null = null, sha256: string | null = null) => ({
  path,
  sizeBytes,
  sha256,
});
const textIn = (): TensorSpec => ({
  name: 'input_ids',
  dtype: 'int64',
  shape: ['batch_size', 'sequence_length'],
});
const embeds = (name: string, dim: number): TensorSpec => ({
  name,
  dtype: 'float32',
  shape: ['batch_size', dim],
});
const pixels: TensorSpec = { name: 'pixel_values', dtype: 'float32', shape: ['batch_size', 3, 224, 224] };
const image = (size: number): TensorSpec => ({ name: null, dtype: 'float32', shape: [1, 3, size, size] });
const map = (channels: number, size: number): TensorSpec => ({
  name: null,
  dtype: 'float32',
  shape: [1, channels, size, size],
});
const TRANSFORMERS_JS_FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
];

// CLIP preprocessing (FashionCLIP onnx/preprocessor_config.json: shortest_edge 224, crop 224, resample 3, 1/255).
const CLIP_PREPROCESSING: EmbedModelSpec['preprocessing'] = {
  processor: 'CLIPImageProcessor',
  resize: { shortestEdge: 224 },
  centerCrop: { height: 224, width: 224 },
  resample: 'bicubic',
  rescaleFactor: 1 / 255,
  mean: CLIP_MEAN,
  std: CLIP_STD,
};

const marqoFashionSiglip: EmbedModelSpec = {
  id: 'marqo-fashion-siglip',
  name: 'Marqo-FashionSigLIP',
  task: 'embed',
  standIn: false,
  licence: 'Apache-2.0',
  source: {
    baseUrl:
      'https://huggingface.co/Marqo/marqo-fashionSigLIP/resolve/ef343cf10da5bbc6f069ebb3519e50009d3c11c8',
    revision: 'ef343cf10da5bbc6f069ebb3519e50009d3c11c8',
    page: 'https://huggingface.co/Marqo/marqo-fashionSigLIP',
  },
  files: [
    ...TRANSFORMERS_JS_FILES.map((p) => file(p)),
    file('onnx/text_model.onnx', 441_361_402),
    file('onnx/vision_model.onnx'),
  ],
  notes: [
    'Revision is the commit of PR #1 ("Upload ONNX weights ... + Transformers.js support"); a later main commit may differ.',
    'sha256 seen only as prefixes: text_model.onnx c1d501b2…aaf6e6, vision_model.onnx a7e77384…f09f4a13; vision_model.onnx is ~372 MB.',
    'dim 768 is inferred from open_clip ViT-B-16-SigLIP (embed_dim 768), not stated by Marqo; the embedder checks config.json.',
    'Text length 64 is the base open_clip context_length; Marqo model_max_length and pad token are unconfirmed.',
    'Whether the graphs L2-normalise is unconfirmed; the embedder normalises either way.',
  ],
  family: 'siglip',
  dim: 768,
  folder: '.',
  // Card example: tokenizer(texts, { padding: 'max_length', truncation: true }); reads text_embeds / image_embeds.
  text: { input: textIn(), output: embeds('text_embeds', 768), maxLength: 64, padding: 'max_length' },
  vision: { input: pixels, output: embeds('image_embeds', 768) },
  // preprocessor_config.json (PR #1 version): SiglipImageProcessor, 224x224 no crop, resample 3, 1/255, 0.5/0.5.
  preprocessing: {
    processor: 'SiglipImageProcessor',
    resize: { height: 224, width: 224 },
    centerCrop: null,
    resample: 'bicubic',
    rescaleFactor: 1 / 255,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
  },
};

const fashionClip: EmbedModelSpec = {
  id: 'fashion-clip',
  name: 'FashionCLIP 2.0 (transformers.js split export, ff13/fashion-clip)',
  task: 'embed',
  standIn: false,
  licence: 'MIT',
  source: {
    baseUrl: 'https://huggingface.co/ff13/fashion-clip/resolve/fd7b9b9',
    revision: 'fd7b9b9',
    page: 'https://huggingface.co/ff13/fashion-clip',
  },
  files: [
    ...TRANSFORMERS_JS_FILES.map((p) => file(p)),
    file('onnx/text_model.onnx'),
    file('onnx/vision_model.onnx'),
  ],
  notes: [
    'Revision fd7b9b9 ("Upload 14 files") is a short hash; expand it to 40 hex digits before relying on it.',
    'Root file names are unconfirmed; they follow the Xenova CLIP layout this export appears to copy.',
    'Sizes seen only rounded: text_model.onnx 254 MB, vision_model.onnx 352 MB; no hashes seen.',
    'FashionCLIP tokenizer_config.json has no model_max_length; the embedder enforces 77 tokens itself.',
  ],
  family: 'clip',
  dim: 512,
  folder: '.',
  // Split export (xenova scripts/extra/clip.py): CLIP{Text,Vision}ModelWithProjection, projected, not normalised.
  text: { input: textIn(), output: embeds('text_embeds', 512), maxLength: 77, padding: 'longest' },
  vision: { input: pixels, output: embeds('image_embeds', 512) },
  preprocessing: CLIP_PREPROCESSING,
};

const REMBG_RELEASE = 'https://github.com/danielgatis/rembg/releases/download/v0.0.0';

const u2netClothSeg: SegmentModelSpec = {
  id: 'u2net_cloth_seg',
  name: 'U2NET cloth segmentation (rembg)',
  task: 'segment',
  standIn: false,
  licence: 'MIT (levindabhi/cloth-segmentation); rembg states no licence for the ONNX asset',
  source: { baseUrl: REMBG_RELEASE, revision: 'v0.0.0', page: 'https://github.com/danielgatis/rembg' },
  files: [{ ...file('u2net_cloth_seg.onnx'), md5: '2434d1f3cb744e0e49386c906e5a08bb' }],
  notes: [
    'Size ~176 MB per third parties only; tensor names, output count and opset unconfirmed (names are read at run time).',
    "The 4 output channels are inferred from U2NET(out_ch=4) and rembg's 4-entry palettes.",
  ],
  contract: 'cloth',
  file: 'u2net_cloth_seg.onnx',
  input: image(768),
  output: map(4, 768),
  inputSize: 768,
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
  classes: ['background', 'upper', 'lower', 'full'],
  garmentClasses: [1, 2, 3],
};

const u2netp: SegmentModelSpec = {
  id: 'u2netp',
  name: 'U2NETP salient object (rembg)',
  task: 'segment',
  standIn: false,
  licence: 'Apache-2.0 (U-2-Net)',
  source: { baseUrl: REMBG_RELEASE, revision: 'v0.0.0', page: 'https://github.com/danielgatis/rembg' },
  files: [{ ...file('u2netp.onnx'), md5: '8e83ca70e441ab06c318d82300c84806' }],
  notes: ['Size ~4.7 MB per third parties only; tensor names unconfirmed (read at run time).'],
  contract: 'saliency',
  file: 'u2netp.onnx',
  input: image(320),
  output: map(1, 320),
  inputSize: 320,
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
  classes: ['saliency'],
  garmentClasses: [],
};

const GENERATED = { baseUrl: null, revision: 'generated', page: 'models/testing/stand-ins.ts' };
const STAND_IN_NOTES = [
  'Generated by writeStandInModels: real interface, meaningless weights. Tests and demos only.',
];

const testClip: EmbedModelSpec = {
  ...fashionClip,
  id: 'test-clip',
  name: 'Stand-in CLIP (FashionCLIP interface)',
  standIn: true,
  licence: 'generated',
  source: GENERATED,
  folder: STAND_IN_LAYOUT.clipDir,
  files: [
    ...TRANSFORMERS_JS_FILES,
    'special_tokens_map.json',
    'onnx/text_model.onnx',
    'onnx/vision_model.onnx',
  ].map((p) => file(`${STAND_IN_LAYOUT.clipDir}/${p}`)),
  notes: STAND_IN_NOTES,
};

const standInSegment = (
  spec: SegmentModelSpec,
  id: string,
  name: string,
  path: string,
): SegmentModelSpec => ({
  ...spec,
  id,
  name,
  standIn: true,
  licence: 'generated',
  source: GENERATED,
  files: [file(path)],
  file: path,
  input: { ...spec.input, name: 'input.1' },
  output: { ...spec.output, name: '1959' },
  notes: STAND_IN_NOTES,
});

/** Every supported model, real ones first. */
export const MODELS: readonly ModelSpec[] = [
  marqoFashionSiglip,
  fashionClip,
  u2netClothSeg,
  u2netp,
  testClip,
  standInSegment(u2netClothSeg, 'test-cloth', 'Stand-in u2net_cloth_seg', STAND_IN_LAYOUT.clothFile),
  standInSegment(u2netp, 'test-saliency', 'Stand-in u2netp', STAND_IN_LAYOUT.saliencyFile),
];

/** Default embedder: Marqo-FashionSigLIP, the best published fashion retrieval model. */
export const DEFAULT_EMBED_MODEL = 'marqo-fashion-siglip';
/** Default segmenter: rembg's u2net_cloth_seg. */
export const DEFAULT_SEGMENT_MODEL = 'u2net_cloth_seg';
/** Stand-ins used when THREADFINDER_MODELS=test. */
export const STAND_IN_EMBED_MODEL = 'test-clip';
export const STAND_IN_SEGMENT_MODEL = 'test-cloth';

/** The registered model with this id, or undefined. */
export function findModel(id: string): ModelSpec | undefined {
  return MODELS.find((m) => m.id === id);
}

/** Download URL of one of a model's files; null for generated stand-ins. */
export function fileUrl(spec: ModelSpec, path: string): string | null {
  return spec.source.baseUrl === null ? null : `${spec.source.baseUrl}/${path}`;
}
