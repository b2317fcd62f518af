import path from 'node:path';
import { type Config, type EmbedDtype, MODEL_ENV, type ModelSettings } from '#core/config.ts';
import { ConfigError, ModelMissingError } from '#core/errors.ts';
import type { EmbedModelSpec, ModelSpec, SegmentModelSpec } from '#core/model-spec.ts';
import type { ResolvedEmbedModel, ResolvedModels, ResolvedSegmentModel } from '#core/resolved-models.ts';
import { checkDtype, vectorModelId } from './dtypes.ts';
import { checkFiles, modelDir } from './local-files.ts';

export type { ResolvedEmbedModel, ResolvedModels, ResolvedSegmentModel };

import {
  DEFAULT_EMBED_MODEL,
  DEFAULT_SEGMENT_MODEL,
  findModel,
  MODELS,
  STAND_IN_EMBED_MODEL,
  STAND_IN_SEGMENT_MODEL,
} from './registry.ts';
import { writeStandInModels } from './testing/stand-ins.ts';

/** Optional model ids and garment classes; defaults are the registry's (real mode) or the stand-ins (test mode). */
export interface ModelChoice {
  embed?: string;
  segment?: string;
  /** Cloth class names that count as garment (e.g. ['upper', 'full']); ignored by saliency models. */
  garmentClasses?: readonly string[];
  /**
   * What the process will run: `all` (ingestion and search, the default) checks every file of both models;
   * `search` checks only the embedding model's text side, so a search-only machine needs no vision graph or
   * segmentation model.
   */
  need?: 'all' | 'search';
}

/** Files a search-only process never loads. */
const visionOnly = (file: string) => /(^|\/)(vision_model[^/]*\.onnx|preprocessor_config\.json)$/.test(file);

function pick<T extends ModelSpec['task']>(
  id: string,
  task: T,
  mode: 'real' | 'test',
): Extract<ModelSpec, { task: T }> {
  const spec = findModel(id);
  const allowed = MODELS.filter((m) => m.task === task && m.standIn === (mode === 'test')).map((m) => m.id);
  if (!spec || spec.task !== task || spec.standIn !== (mode === 'test')) {
    const setting = task === 'embed' ? MODEL_ENV.embedModel : MODEL_ENV.segmentModel;
    throw new ConfigError(
      `${task} model "${id}" (${setting}) is not available with ${MODEL_ENV.mode}=${mode}; use one of: ${allowed.join(', ')}`,
    );
  }
  return spec as Extract<ModelSpec, { task: T }>;
}

/**
 * An embedding model's registry entry bound to the local folder its files are in, at one precision. Its id is the
 * one its vectors carry: the registry id for fp32, `<id>@<dtype>` otherwise (see vectorModelId).
 */
export const embedModel = (
  spec: EmbedModelSpec,
  localDir: string,
  dtype: EmbedDtype = 'fp32',
): ResolvedEmbedModel => ({
  id: vectorModelId(spec.id, dtype),
  name: spec.name,
  family: spec.family,
  dir: path.resolve(localDir, spec.folder),
  dim: spec.dim,
  textMaxLength: spec.text.maxLength,
  textPadding: spec.text.padding,
  textClean: spec.text.clean,
  dtype,
  standIn: spec.standIn,
});

/** A segmentation model's registry entry bound to its local folder, with the garment classes chosen. */
export const segmentModel = (
  spec: SegmentModelSpec,
  localDir: string,
  garmentClasses: readonly number[] = spec.garmentClasses,
  inputSize: number = spec.inputSize,
): ResolvedSegmentModel => ({
  id: spec.id,
  name: spec.name,
  contract: spec.contract,
  file: path.resolve(localDir, spec.file),
  inputSize,
  nativeInputSize: spec.inputSize,
  mean: spec.mean,
  std: spec.std,
  classes: spec.classes,
  garmentClasses,
  defaultGarmentClasses: spec.garmentClasses,
  standIn: spec.standIn,
});

/** Label indices of the named cloth classes; throws ConfigError naming the setting and the valid names. */
export function garmentClassIndices(spec: SegmentModelSpec, names: readonly string[] | undefined): number[] {
  if (names === undefined || spec.contract !== 'cloth') return [...spec.garmentClasses];
  const valid = spec.classes.filter((_, i) => i > 0);
  const unknown = names.filter((n) => !valid.includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new ConfigError(
      `${MODEL_ENV.garmentClasses}: ${unknown.length > 0 ? `unknown class ${unknown.join(', ')}` : 'no class given'} for ${spec.id}; use a comma-separated subset of: ${valid.join(', ')}`,
    );
  }
  return names.map((n) => spec.classes.indexOf(n)).sort((a, b) => a - b);
}

/**
 * Picks the embedding and segmentation models for `config.models`: in 'test' mode writes the
 * stand-ins under `<modelsDir>/test`; in 'real' mode checks the files under `<modelsDir>/<id>/` (local disk
 * only, never the network; of the embedding graphs, only those of the chosen precision) and throws
 * ModelMissingError listing what to fetch from where. A precision the embedding model does not publish is a
 * ConfigError naming THREADFINDER_EMBED_DTYPE, the model and the precisions it has.
 */
export async function resolveModels(
  config: Pick<Config, 'models' | 'modelsDir'> & { model?: Partial<ModelSettings> },
  choice: ModelChoice = {},
): Promise<ResolvedModels> {
  const mode = config.models;
  const test = mode === 'test';
  const embedId = choice.embed ?? config.model?.embed ?? (test ? STAND_IN_EMBED_MODEL : DEFAULT_EMBED_MODEL);
  const segmentId =
    choice.segment ?? config.model?.segment ?? (test ? STAND_IN_SEGMENT_MODEL : DEFAULT_SEGMENT_MODEL);
  const embed = pick(embedId, 'embed', mode);
  const segment = pick(segmentId, 'segment', mode);
  const classes = garmentClassIndices(segment, choice.garmentClasses ?? config.model?.garmentClasses);
  const size = config.model?.segmentSize ?? segment.inputSize;
  const dtype = config.model?.embedDtype ?? 'fp32';
  checkDtype(embed, dtype);
  if (test) {
    const { root } = await writeStandInModels(path.join(config.modelsDir, 'test'));
    return {
      mode,
      embed: embedModel(embed, root, dtype),
      segment: segmentModel(segment, root, classes, size),
    };
  }
  const dirOf = (spec: ModelSpec) => modelDir(config.modelsDir, spec);
  const report: string[] = [];
  const searchOnly = choice.need === 'search';
  for (const spec of searchOnly ? [embed] : [embed, segment]) {
    const checks = (await checkFiles(spec, dirOf(spec), dtype)).filter(
      (c) => !(searchOnly && visionOnly(c.path)),
    );
    if (checks.some((c) => c.state !== 'present')) {
      report.push(`  ${spec.id} (${spec.name}, ${spec.task}), revision ${spec.source.revision}:`);
      report.push(...checks.map((c) => c.line));
    }
  }
  if (report.length > 0) {
    throw new ModelMissingError(
      [
        `model files missing or incomplete under ${path.resolve(config.modelsDir)}:`,
        ...report,
        'Run `threadfinder models fetch` to download them, or download each file to the path shown',
        '(e.g. curl -fL --create-dirs -o <path> <url>) and run `threadfinder models fetch` to verify it,',
        'or set THREADFINDER_MODELS=test to run with generated stand-in models (meaningless results).',
      ].join('\n'),
    );
  }
  return {
    mode,
    embed: embedModel(embed, dirOf(embed), dtype),
    segment: segmentModel(segment, dirOf(segment), classes, size),
  };
}
