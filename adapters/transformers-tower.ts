import {
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  SiglipTextModel,
  SiglipVisionModel,
} from '@huggingface/transformers';
import type { InferenceSession } from 'onnxruntime-node';
import { ThreadfinderError } from '#core/errors.ts';
import { towerGraph } from '#core/model-spec.ts';
import type { ResolvedEmbedModel } from '#core/resolved-models.ts';
import { sessionIo, type TensorInfo } from './onnx-runtime.ts';
import {
  checkBatchSize,
  checkedDim,
  loadOrExplain,
  pretrainedOptions,
  requireFiles,
} from './transformers-env.ts';

/** How to load one tower of a transformers.js embedding model. */
export interface TowerOptions {
  model: ResolvedEmbedModel;
  /** Inputs per model run; default 8. */
  batchSize?: number;
  /** Intra-op threads of the ONNX session; default: the available cores. */
  threads?: number;
}

/** A loaded transformers.js model: callable, with its ONNX session(s). */
export interface LoadedModel {
  (inputs: Record<string, unknown>): Promise<unknown>;
  sessions: Record<string, InferenceSession>;
}

/** Declared inputs and outputs of a loaded tower, for `models verify`. */
export interface TowerIo {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

/** A loaded tower with its input preparation (pixels or tokenizer) and checked batch size. */
export interface Tower<P> {
  prepare: P;
  loaded: LoadedModel;
  batchSize: number;
}

const TOWERS = {
  clip: { vision: CLIPVisionModelWithProjection, text: CLIPTextModelWithProjection },
  siglip: { vision: SiglipVisionModel, text: SiglipTextModel },
} as const;

/**
 * Checks a tower's files (config.json, `files`, the tower's graph at the model's precision: onnx/<tower>_model.onnx,
 * or _quantized / _int8), loads its input preparation and its model together, offline, and checks the model's
 * width against the registry. transformers.js picks the graph file from the `dtype` option.
 */
export async function loadTower<P>(
  options: TowerOptions,
  tower: 'vision' | 'text',
  files: readonly string[],
  loadPrepare: () => Promise<P>,
): Promise<Tower<P>> {
  const { model } = options;
  const batchSize = checkBatchSize(options.batchSize ?? 8);
  await requireFiles(model, ['config.json', ...files, towerGraph(tower, model.dtype)]);
  const Model = TOWERS[model.family][tower];
  const load = () => Model.from_pretrained(model.dir, pretrainedOptions(options.threads, model.dtype));
  const [prepare, loaded] = await loadOrExplain(model, `${tower} model`, () =>
    Promise.all([loadPrepare(), load() as unknown as Promise<LoadedModel>]),
  );
  checkedDim(model, (loaded as unknown as { config: unknown }).config, tower);
  return { prepare, loaded, batchSize };
}

/** The declared inputs and outputs of a loaded tower's ONNX session. */
export function towerIo(loaded: LoadedModel): TowerIo {
  const session = Object.values(loaded.sessions)[0];
  if (!session) throw new ThreadfinderError('transformers.js model has no ONNX session');
  return sessionIo(session);
}

/** Frees a loaded tower's ONNX session(s); the tower must not be called afterwards. */
export async function releaseTower(loaded: LoadedModel): Promise<void> {
  await Promise.all(Object.values(loaded.sessions).map((session) => session.release()));
}
