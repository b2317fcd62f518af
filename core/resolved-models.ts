import type { EmbedDtype } from './config.ts';
import type { EmbedFamily, Rgb, SegmentContract } from './model-spec.ts';

/** An embedding model ready to load: its transformers.js folder and how to call it. */
export interface ResolvedEmbedModel {
  id: string;
  name: string;
  family: EmbedFamily;
  /** Absolute transformers.js model folder (config.json, tokenizer files, onnx/). */
  dir: string;
  /** Expected vector width (the embedder checks it against config.json). */
  dim: number;
  textMaxLength: number;
  textPadding: 'longest' | 'max_length';
  /** Text cleaning the authors apply before tokenising. */
  textClean: 'none' | 'canonicalize';
  /** Precision of the graphs to load (THREADFINDER_EMBED_DTYPE). */
  dtype: EmbedDtype;
  standIn: boolean;
}

/** A segmentation model ready to load: its ONNX file and rembg's pre/post-processing values. */
export interface ResolvedSegmentModel {
  id: string;
  name: string;
  contract: SegmentContract;
  /** Absolute path of the ONNX file. */
  file: string;
  /** Side of the square the segmenter runs at: THREADFINDER_SEGMENT_SIZE, else the model's own. */
  inputSize: number;
  /** The registry's input size, to tell a chosen size apart (mask cache ids). */
  nativeInputSize: number;
  mean: Rgb;
  std: Rgb;
  classes: readonly string[];
  /** Label indices that count as garment, as chosen (cloth contract). */
  garmentClasses: readonly number[];
  /** The registry's default selection, to tell a custom choice apart (mask cache ids). */
  defaultGarmentClasses: readonly number[];
  standIn: boolean;
}

/** The models a process runs with. */
export interface ResolvedModels {
  mode: 'real' | 'test';
  embed: ResolvedEmbedModel;
  segment: ResolvedSegmentModel;
}
