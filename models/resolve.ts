import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../core/config.ts';
import { ConfigError, ModelMissingError } from '../core/errors.ts';
import type {
  EmbedFamily,
  EmbedModelSpec,
  ModelSpec,
  Rgb,
  SegmentContract,
  SegmentModelSpec,
} from './model-spec.ts';
import {
  DEFAULT_EMBED_MODEL,
  DEFAULT_SEGMENT_MODEL,
  fileUrl,
  findModel,
  MODELS,
  STAND_IN_EMBED_MODEL,
  STAND_IN_SEGMENT_MODEL,
} from './registry.ts';
import { writeStandInModels } from './testing/stand-ins.ts';

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
  standIn: boolean;
}

/** A segmentation model ready to load: its ONNX file and rembg's pre/post-processing values. */
export interface ResolvedSegmentModel {
  id: string;
  name: string;
  contract: SegmentContract;
  /** Absolute path of the ONNX file. */
  file: string;
  inputSize: number;
  mean: Rgb;
  std: Rgb;
  classes: readonly string[];
  garmentClasses: readonly number[];
  standIn: boolean;
}

/** The models a process runs with. */
export interface ResolvedModels {
  mode: 'real' | 'test';
  embed: ResolvedEmbedModel;
  segment: ResolvedSegmentModel;
}

/** Optional model ids; defaults are the registry defaults (real mode) or the stand-ins (test mode). */
export interface ModelChoice {
  embed?: string;
  segment?: string;
}

function pick<T extends ModelSpec['task']>(
  id: string,
  task: T,
  mode: 'real' | 'test',
): Extract<ModelSpec, { task: T }> {
  const spec = findModel(id);
  const allowed = MODELS.filter((m) => m.task === task && m.standIn === (mode === 'test')).map((m) => m.id);
  if (!spec || spec.task !== task || spec.standIn !== (mode === 'test')) {
    throw new ConfigError(
      `${task} model "${id}" is not available with THREADFINDER_MODELS=${mode}; use one of: ${allowed.join(', ')}`,
    );
  }
  return spec as Extract<ModelSpec, { task: T }>;
}

const embedModel = (spec: EmbedModelSpec, localDir: string): ResolvedEmbedModel => ({
  id: spec.id,
  name: spec.name,
  family: spec.family,
  dir: path.resolve(localDir, spec.folder),
  dim: spec.dim,
  textMaxLength: spec.text.maxLength,
  textPadding: spec.text.padding,
  standIn: spec.standIn,
});

const segmentModel = (spec: SegmentModelSpec, localDir: string): ResolvedSegmentModel => ({
  id: spec.id,
  name: spec.name,
  contract: spec.contract,
  file: path.resolve(localDir, spec.file),
  inputSize: spec.inputSize,
  mean: spec.mean,
  std: spec.std,
  classes: spec.classes,
  garmentClasses: spec.garmentClasses,
  standIn: spec.standIn,
});

interface FileCheck {
  ok: boolean;
  line: string;
}

// Checks every file of `spec` under `localDir`: present, and of the published size where one is known.
async function checkFiles(spec: ModelSpec, localDir: string): Promise<FileCheck[]> {
  return Promise.all(
    spec.files.map(async (f): Promise<FileCheck> => {
      const where = path.join(localDir, f.path);
      const from = `\n        from ${fileUrl(spec, f.path)}`;
      const stat = await fs.stat(where).catch(() => undefined);
      if (!stat?.isFile()) return { ok: false, line: `      missing: ${where}${from}` };
      if (f.sizeBytes !== null && stat.size !== f.sizeBytes) {
        const why = `wrong size (${stat.size} bytes, expected ${f.sizeBytes}; incomplete download?)`;
        return { ok: false, line: `      ${why}: ${where}${from}` };
      }
      return { ok: true, line: `      present: ${where}` };
    }),
  );
}

/**
 * Picks the embedding and segmentation models for `config.models`: in 'test' mode writes the
 * stand-ins under `<modelsDir>/test`; in 'real' mode checks every file under `<modelsDir>/<id>/`
 * (local disk only, never the network) and throws ModelMissingError listing what to fetch from where.
 */
export async function resolveModels(
  config: Pick<Config, 'models' | 'modelsDir'>,
  choice: ModelChoice = {},
): Promise<ResolvedModels> {
  const mode = config.models;
  const test = mode === 'test';
  const embed = pick(choice.embed ?? (test ? STAND_IN_EMBED_MODEL : DEFAULT_EMBED_MODEL), 'embed', mode);
  const segment = pick(
    choice.segment ?? (test ? STAND_IN_SEGMENT_MODEL : DEFAULT_SEGMENT_MODEL),
    'segment',
    mode,
  );
  if (test) {
    const { root } = await writeStandInModels(path.join(config.modelsDir, 'test'));
    return { mode, embed: embedModel(embed, root), segment: segmentModel(segment, root) };
  }
  const dirOf = (spec: ModelSpec) => path.resolve(config.modelsDir, spec.id);
  const report: string[] = [];
  for (const spec of [embed, segment]) {
    const checks = await checkFiles(spec, dirOf(spec));
    if (checks.some((c) => !c.ok)) {
      report.push(`  ${spec.id} (${spec.name}, ${spec.task}), revision ${spec.source.revision}:`);
      report.push(...checks.map((c) => c.line));
    }
  }
  if (report.length > 0) {
    throw new ModelMissingError(
      [
        `model files missing or incomplete under ${path.resolve(config.modelsDir)}:`,
        ...report,
        'Download each file to the path shown (e.g. curl -fL --create-dirs -o <path> <url>),',
        'or set THREADFINDER_MODELS=test to run with generated stand-in models (meaningless results).',
      ].join('\n'),
    );
  }
  return { mode, embed: embedModel(embed, dirOf(embed)), segment: segmentModel(segment, dirOf(segment)) };
}
