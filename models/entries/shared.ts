import type { EmbedModelSpec, ModelFile, Rgb, TensorSpec } from '#core/model-spec.ts';

// CLIP's normalisation (FashionCLIP onnx/preprocessor_config.json `image_mean` / `image_std`).
export const CLIP_MEAN: Rgb = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD: Rgb = [0.26862954, 0.26130258, 0.27577711];
// rembg's ImageNet statistics (rembg/sessions/u2net_cloth_seg.py and u2netp.py, `self.normalize(...)`).
export const IMAGENET_MEAN: Rgb = [0.485, 0.456, 0.406];
export const IMAGENET_STD: Rgb = [0.229, 0.224, 0.225];

const MB = 1_000_000;

/** A file entry; sizes and hashes stay null/absent unless a source gave them. */
export const file = (path: string, extra: Partial<Omit<ModelFile, 'path'>> = {}): ModelFile => ({
  path,
  sizeBytes: null,
  sha256: null,
  ...extra,
});

/** A file whose size a source showed only rounded, in decimal megabytes. */
export const aboutMb = (path: string, mb: number, extra: Partial<Omit<ModelFile, 'path'>> = {}) =>
  file(path, { approxBytes: Math.round(mb * MB), ...extra });

/** The files transformers.js reads from a model folder besides the ONNX graphs. */
export const TRANSFORMERS_JS_FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
] as const;

export const textIn = (): TensorSpec => ({
  name: 'input_ids',
  dtype: 'int64',
  shape: ['batch_size', 'sequence_length'],
});

export const embeds = (name: string, dim: number): TensorSpec => ({
  name,
  dtype: 'float32',
  shape: ['batch_size', dim],
});

export const pixels: TensorSpec = {
  name: 'pixel_values',
  dtype: 'float32',
  shape: ['batch_size', 3, 224, 224],
};

/** rembg feeds one image at a time; tensor names are read from the session (`get_inputs()[0].name`). */
export const squareImage = (size: number): TensorSpec => ({
  name: null,
  dtype: 'float32',
  shape: [1, 3, size, size],
});

export const labelMap = (channels: number, size: number): TensorSpec => ({
  name: null,
  dtype: 'float32',
  shape: [1, channels, size, size],
});

/** CLIP preprocessing (FashionCLIP onnx/preprocessor_config.json: shortest_edge 224, crop 224, resample 3, 1/255). */
export const CLIP_PREPROCESSING: EmbedModelSpec['preprocessing'] = {
  processor: 'CLIPImageProcessor',
  resize: { shortestEdge: 224 },
  centerCrop: { height: 224, width: 224 },
  resample: 'bicubic',
  rescaleFactor: 1 / 255,
  mean: CLIP_MEAN,
  std: CLIP_STD,
};

/** SigLIP preprocessing (Marqo-FashionSigLIP preprocessor_config.json: 224x224, no crop, resample 3, 1/255, 0.5/0.5). */
export const SIGLIP_PREPROCESSING: EmbedModelSpec['preprocessing'] = {
  processor: 'SiglipImageProcessor',
  resize: { height: 224, width: 224 },
  centerCrop: null,
  resample: 'bicubic',
  rescaleFactor: 1 / 255,
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
};
