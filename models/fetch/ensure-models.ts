import path from 'node:path';
import type { Config } from '#core/config.ts';
import { ModelMissingError } from '#core/errors.ts';
import type { ModelSpec } from '#core/model-spec.ts';
import { checkFiles, modelDir } from '#models/local-files.ts';
import { DEFAULT_EMBED_MODEL, DEFAULT_SEGMENT_MODEL, findModel } from '#models/registry.ts';
import { type ModelChoice, type ResolvedModels, resolveModels } from '#models/resolve.ts';
import type { DownloadOptions } from './download.ts';
import { ModelFetchError } from './errors.ts';
import { type FileOutcome, fetchModels } from './fetch-models.ts';
import { type ProgressSink, progressPrinter } from './progress.ts';

type ModelsConfig = Pick<Config, 'models' | 'modelsDir'> & { model?: Partial<Config['model']> };

/** Seams: the network settings of the download, and the registry entries (tests point them at loopback). */
export interface EnsureModelsOptions {
  /** Progress bars and the "fetching" line (the same as `threadfinder models fetch` prints). */
  sink: ProgressSink;
  fetch?: DownloadOptions;
  /** The registry entry of a model id (default: models/registry.ts). */
  findSpec?: (id: string) => ModelSpec | undefined;
  /** Resolves the models from local disk (default: resolveModels, with the same choice). */
  resolve?: (config: ModelsConfig, choice: ModelChoice) => Promise<ResolvedModels>;
}

/**
 * Resolves the configured models; when real model files are missing, fetches them (resumable, verified, with
 * the progress bar of `threadfinder models fetch`) and resolves again. Offline (host unreachable or refused),
 * the original ModelMissingError is thrown: every missing file with its URL, plus why the fetch could not run.
 * THREADFINDER_MODELS=test never fetches.
 */
export async function ensureModels(
  config: ModelsConfig,
  choice: ModelChoice,
  options: EnsureModelsOptions,
): Promise<ResolvedModels> {
  const resolve = options.resolve ?? resolveModels;
  try {
    return await resolve(config, choice);
  } catch (missing) {
    if (!(missing instanceof ModelMissingError) || config.models === 'test') throw missing;
    const specs = await incompleteSpecs(config, choice, options.findSpec ?? findModel);
    if (specs.length === 0) throw missing;
    const names = specs.map((s) => `${s.id} (${s.name})`).join(', ');
    options.sink.write(`Model files missing: fetching ${names} into ${path.resolve(config.modelsDir)}\n`);
    let outcomes: FileOutcome[];
    try {
      outcomes = await fetchModels(specs, {
        ...options.fetch,
        modelsDir: config.modelsDir,
        dtype: config.model?.embedDtype,
        onProgress: progressPrinter(options.sink, (p) => path.relative(config.modelsDir, p.dest)),
      });
    } catch (error) {
      if (!(error instanceof ModelFetchError)) throw error;
      if (error.failure !== 'unreachable' && error.failure !== 'blocked') throw error;
      const why = error.message.split('\n')[0];
      throw new ModelMissingError(`${missing.message}\n(fetching them failed: ${why})`, { cause: error });
    }
    options.sink.write(fetchedText(outcomes));
    return resolve(config, choice);
  }
}

/** The chosen real models with a file not present (missing, wrong size or unreadable). */
async function incompleteSpecs(
  config: ModelsConfig,
  choice: ModelChoice,
  findSpec: (id: string) => ModelSpec | undefined,
): Promise<ModelSpec[]> {
  const embed = findSpec(choice.embed ?? config.model?.embed ?? DEFAULT_EMBED_MODEL);
  const segment = findSpec(choice.segment ?? config.model?.segment ?? DEFAULT_SEGMENT_MODEL);
  const wanted = choice.need === 'search' ? [embed] : [embed, segment];
  const incomplete: ModelSpec[] = [];
  for (const spec of wanted) {
    if (!spec || spec.standIn || spec.source.baseUrl === null) continue;
    const checks = await checkFiles(spec, modelDir(config.modelsDir, spec), config.model?.embedDtype);
    // An unreadable file is the user's to fix (permissions): downloading again would not help.
    if (checks.some((c) => c.state === 'unreadable')) return [];
    if (checks.some((c) => c.state !== 'present')) incomplete.push(spec);
  }
  return incomplete;
}

const STRONG = new Set(['sha256', 'sha256-partial', 'md5']);

/**
 * What the fetch checked, without claiming more: "verified" only when every file matched a published checksum;
 * otherwise each file checked by size alone, or not at all (nothing published: the sha256 of what was downloaded
 * is recorded in the model folder's threadfinder-manifest.json, and printed here), is named.
 */
export function fetchedText(outcomes: readonly FileOutcome[]): string {
  const weak = outcomes.filter((o) => !STRONG.has(o.verified));
  if (weak.length === 0) return 'Models fetched and verified.\n';
  const lines = weak.map((o) =>
    o.verified === 'size'
      ? `  ${o.model}/${o.path}: checked by its published size only (no checksum published)`
      : `  ${o.model}/${o.path}: UNPINNED, nothing published to check it against; sha256 ${o.sha256} recorded in threadfinder-manifest.json`,
  );
  const strong = outcomes.length - weak.length;
  return [
    `Models fetched: ${strong} of ${outcomes.length} files matched a published checksum; not verified:`,
    ...lines,
    '',
  ].join('\n');
}
