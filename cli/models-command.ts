import path from 'node:path';
import { parseArgs } from 'node:util';
import type { TensorInfo } from '#adapters/onnx-runtime.ts';
import type { Config } from '#core/config.ts';
import { ConfigError } from '#core/errors.ts';
import type { ModelSpec } from '#core/model-spec.ts';
import type { DownloadOptions } from '#models/fetch/download.ts';
import { ModelFetchError } from '#models/fetch/errors.ts';
import { fetchModels } from '#models/fetch/fetch-models.ts';
import { type ProgressSink, progressPrinter } from '#models/fetch/progress.ts';
import { listRows, renderTable } from '#models/list-models.ts';
import { checkFiles, modelDir, standInRoot } from '#models/local-files.ts';
import { DEFAULT_EMBED_MODEL, DEFAULT_SEGMENT_MODEL, findModel, MODELS } from '#models/registry.ts';
import { writeStandInModels } from '#models/testing/stand-ins.ts';
import { verifyModel } from '#models/verify/verify-model.ts';

/** Where the models commands write: lines of results, and a sink for progress and warnings. */
export interface ModelsCommandIo {
  out: (line: string) => void;
  err: ProgressSink;
}

/** Seams for tests: network settings of `models fetch` (resolver, allowed loopback addresses, clock). */
export interface ModelsCommandOptions {
  fetch?: DownloadOptions;
}

/** Usage of the models commands. */
export const MODELS_USAGE = `Usage: threadfinder models <list|fetch|verify> [ids...]

  list            every supported model: id, task, size, licence, source, present locally, verified
  fetch [ids]     download the chosen models (default: the configured or default embed + segment models)
                  from their published sources, resume partial downloads, verify checksums
  verify [ids]    load each present model, run one inference on a drawn image / short text, and report
                  input and output names, shapes and timing

Models live in THREADFINDER_MODELS_DIR (default <data dir>/models), one folder per model id.`;

function spec(id: string): ModelSpec {
  const found = findModel(id);
  if (!found) throw new ConfigError(`unknown model "${id}"; see \`threadfinder models list\``);
  return found;
}

const tensorText = (t: TensorInfo) => `${t.name} ${t.type} [${t.shape.join(', ')}]`;

async function fetchCommand(
  ids: string[],
  config: Config,
  io: ModelsCommandIo,
  options: ModelsCommandOptions,
) {
  const chosen = ids.length > 0 ? ids : defaultFetchIds(config);
  const specs = chosen.map(spec);
  const standIns = specs.filter((s) => s.standIn).map((s) => s.id);
  if (standIns.length > 0) {
    throw new ConfigError(
      `${standIns.join(', ')}: stand-ins are generated locally (THREADFINDER_MODELS=test), not fetched`,
    );
  }
  const onProgress = progressPrinter(io.err, (p) => path.relative(config.modelsDir, p.dest));
  try {
    const outcomes = await fetchModels(specs, {
      ...options.fetch,
      modelsDir: config.modelsDir,
      dtype: config.model.embedDtype,
      onProgress,
    });
    for (const o of outcomes) {
      const note =
        o.verified === 'unverified'
          ? ` (unverified: no published checksum; recorded sha256 ${o.sha256})`
          : '';
      if (o.replaced) io.out(`  ${o.replaced}`);
      io.out(`${o.model}/${o.path}: ${o.action}, ${o.sizeBytes} bytes, verified by ${o.verified}${note}`);
    }
    io.out(`Models are in ${config.modelsDir}. Next: \`threadfinder models verify\`.`);
    return 0;
  } catch (error) {
    if (!(error instanceof ModelFetchError)) throw error;
    io.err.write(`threadfinder: ${error.message}\n`);
    return error.failure === 'unreachable' || error.failure === 'blocked' ? 4 : 1;
  }
}

function defaultFetchIds(config: Config): string[] {
  const real = (id: string | undefined, fallback: string) => (id && !findModel(id)?.standIn ? id : fallback);
  return [real(config.model.embed, DEFAULT_EMBED_MODEL), real(config.model.segment, DEFAULT_SEGMENT_MODEL)];
}

async function presentModels(config: Config): Promise<ModelSpec[]> {
  if (config.models === 'test') {
    await writeStandInModels(standInRoot(config.modelsDir));
    return MODELS.filter((m) => m.standIn);
  }
  const present: ModelSpec[] = [];
  for (const m of MODELS.filter((x) => !x.standIn)) {
    const checks = await checkFiles(m, modelDir(config.modelsDir, m), config.model.embedDtype);
    if (checks.every((c) => c.state === 'present')) present.push(m);
  }
  return present;
}

async function verifyCommand(ids: string[], config: Config, io: ModelsCommandIo) {
  if (ids.some((id) => spec(id).standIn) || config.models === 'test') {
    await writeStandInModels(standInRoot(config.modelsDir));
  }
  const specs = ids.length > 0 ? ids.map(spec) : await presentModels(config);
  if (specs.length === 0) {
    io.out(`No model is present under ${config.modelsDir}; run \`threadfinder models fetch\` first.`);
    return 3;
  }
  let failed = 0;
  for (const s of specs) {
    const pixels = { fit: config.model.imageFit, padColour: config.background };
    const report = await verifyModel(s, modelDir(config.modelsDir, s), {
      threads: config.model.onnxThreads,
      pixels,
      dtype: config.model.embedDtype,
    });
    io.out(
      `${s.id} (${s.task}${s.standIn ? ', stand-in' : ''}): ${report.error ? `FAILED: ${report.error}` : 'ok'}`,
    );
    for (const t of report.towers) {
      io.out(`  ${t.tower}: load ${t.loadMs} ms, one inference ${t.runMs} ms -> ${t.result}`);
      for (const i of t.inputs)
        io.out(
          `    input  ${tensorText(i)}${t.notFed.includes(i.name) ? '  <- NOT FED by Threadfinder' : ''}`,
        );
      for (const o of t.outputs) io.out(`    output ${tensorText(o)}`);
    }
    for (const d of report.differences) io.out(`  differs from the registry: ${d}`);
    if (report.ranking) io.out(`  ranking sanity check: ${report.ranking}`);
    if (report.error) failed++;
  }
  return failed > 0 ? 1 : 0;
}

/**
 * Runs `threadfinder models ...`; returns the exit code (0 ok, 1 failure, 3 nothing present, 4 offline). A disk
 * fault (EnvironmentFaultError) is thrown, for the CLI's exit code 5.
 */
export async function runModelsCommand(
  argv: string[],
  config: Config,
  io: ModelsCommandIo,
  options: ModelsCommandOptions = {},
): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      'embed-model': { type: 'string' },
      'segment-model': { type: 'string' },
    },
  });
  const [command, ...named] = positionals;
  // `--embed-model X` / `--segment-model Y` name models the same way as for ingest and serve.
  const ids = [...named, values['embed-model'], values['segment-model']].filter((id): id is string => !!id);
  if (values.help || !command) {
    io.out(MODELS_USAGE);
    return 0;
  }
  if (command === 'list') {
    if (config.models === 'test') await writeStandInModels(standInRoot(config.modelsDir));
    io.out(renderTable(await listRows(config)));
    return 0;
  }
  if (command === 'fetch') return fetchCommand(ids, config, io, options);
  if (command === 'verify') return verifyCommand(ids, config, io);
  throw new ConfigError(`unknown models command "${command}"\n\n${MODELS_USAGE}`);
}
