import type { EmbedDtype } from './config.ts';
/** What a model is for. */
export type ModelTask = 'embed' | 'segment';

/** Which transformers.js classes and pre/post-processing an embedding model needs. */
export type EmbedFamily = 'clip' | 'siglip';

/** How a segmentation model's first output becomes a mask (rembg's cloth vs. single-channel sessions). */
export type SegmentContract = 'cloth' | 'saliency';

/** Three per-channel values (R, G, B). */
export type Rgb = readonly [number, number, number];

/** One file of a model, relative to the model's local folder. */
export interface ModelFile {
  path: string;
  /** Exact byte size where a source confirmed it; null where only an approximate size (or none) was seen. */
  sizeBytes: number | null;
  /** Rounded size a source showed (e.g. "372 MB") where the exact size is unknown: for display and the download cap. */
  approxBytes?: number;
  /** Full sha256 where a source confirmed it; null otherwise. */
  sha256: string | null;
  /** Start and end of a published sha256 where only those were seen (HF pages abbreviate long hashes). */
  sha256Hint?: { prefix: string; suffix: string };
  /** md5 where upstream pins one (rembg's pooch checksums). */
  md5?: string;
}

/** A model tensor as published; `name: null` means it is read from the session at run time. */
export interface TensorSpec {
  name: string | null;
  dtype: 'float32' | 'int64';
  shape: readonly (number | string)[];
}

/** Where a model's files come from, pinned to a revision or release. */
export interface ModelSource {
  /** Prefix of every file URL (`${baseUrl}/${file.path}`); null for generated stand-ins. */
  baseUrl: string | null;
  revision: string;
  /** Human-readable page (model card, release, generator source). */
  page: string;
}

interface CommonSpec {
  id: string;
  name: string;
  task: ModelTask;
  /** Tiny generated model with the real interface and meaningless weights. */
  standIn: boolean;
  licence: string;
  source: ModelSource;
  files: readonly ModelFile[];
  /** What is unconfirmed or surprising about this entry. */
  notes: readonly string[];
}

/** Image preprocessing as the model's preprocessor_config.json states it (the processor reads the file itself). */
export interface ImagePreprocessing {
  processor: 'CLIPImageProcessor' | 'SiglipImageProcessor';
  resize: { shortestEdge: number } | { height: number; width: number };
  centerCrop: { height: number; width: number } | null;
  resample: 'bicubic';
  rescaleFactor: number;
  mean: Rgb;
  std: Rgb;
}

/** A joint image-text embedding model in the transformers.js split layout (text_model.onnx + vision_model.onnx). */
export interface EmbedModelSpec extends CommonSpec {
  task: 'embed';
  family: EmbedFamily;
  /** Expected vector width; the embedder checks it against config.json. */
  dim: number;
  /** transformers.js model folder (config.json, tokenizer, onnx/) relative to the model's local folder. */
  folder: string;
  text: {
    input: TensorSpec;
    output: TensorSpec;
    maxLength: number;
    padding: 'longest' | 'max_length';
    /** Text cleaning the authors apply before the tokenizer ('canonicalize': Marqo's SigLIP processor). */
    clean: 'none' | 'canonicalize';
  };
  vision: { input: TensorSpec; output: TensorSpec };
  preprocessing: ImagePreprocessing;
}

/** A rembg-style U2NET segmentation model. */
export interface SegmentModelSpec extends CommonSpec {
  task: 'segment';
  contract: SegmentContract;
  /** The ONNX file relative to the model's local folder. */
  file: string;
  input: TensorSpec;
  output: TensorSpec;
  /** Square input side; rembg resizes to it without keeping the aspect ratio. */
  inputSize: number;
  mean: Rgb;
  std: Rgb;
  /** Output channel meanings, in order. */
  classes: readonly string[];
  /** Cloth contract: label indices that count as garment by default. */
  garmentClasses: readonly number[];
}

/** Any registered model. */
export type ModelSpec = EmbedModelSpec | SegmentModelSpec;

/**
 * transformers.js's file suffix per precision (`DEFAULT_DTYPE_SUFFIX_MAPPING`, src/utils/dtypes.js): a tower's
 * graph is `onnx/<tower>_model<suffix>.onnx`. The library picks the file itself from its `dtype` option; the
 * registry and the checks name files with this (test/models/embed-dtype.test.ts holds it to the file the library
 * loads).
 */
export const DTYPE_SUFFIX: Readonly<Record<EmbedDtype, string>> = {
  fp32: '',
  q8: '_quantized',
  int8: '_int8',
};

/** The graph of one tower at one precision, relative to the model folder (transformers.js's layout). */
export const towerGraph = (tower: 'text' | 'vision', dtype: EmbedDtype): string =>
  `onnx/${tower}_model${DTYPE_SUFFIX[dtype]}.onnx`;
