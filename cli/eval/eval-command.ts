import { constants } from 'node:fs';
import { access, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { hasSample } from '#cli/sample-source.ts';
import { TEST_MODELS_BANNER } from '#cli/usage.ts';
import type { Config } from '#core/config.ts';
import { ConfigError } from '#core/errors.ts';
import { createLocalRuntime } from '#local/runtime.ts';
import { ensureModels } from '#models/fetch/ensure-models.ts';
import { parseLabelledQueries } from './labelled-queries.ts';
import { renderCompare, renderEval } from './report.ts';
import { type EvalResult, runEval } from './run-eval.ts';

/** `threadfinder eval --help`. */
export const EVAL_USAGE = `threadfinder eval [--queries FILE] [--json FILE] [--view-queries N]
threadfinder eval --compare A.json B.json
  Measures retrieval quality over the ingested index (read-only; may run beside serve):
  view consistency (no labels needed), attribute queries built from the catalog's color, pattern and
  garment/type/category columns, and, with --queries, labelled queries (JSONL: {"query": "...", "relevant":
  ["id", ...]}; a bad line is reported as file:line and the rest run), and tag accuracy: the auto-tags against
  the catalog's own type, colour, pattern, ... columns where it has them. Prints the settings that built the index.
  --json FILE          also write the result as JSON (for --compare)
  --queries FILE       labelled queries: recall@1/5/10, MRR@10, nDCG@10
  --view-queries N     at most N view-consistency queries, spread over the products (default 1000)
  --embed-model ID     the index of this embedding model (default THREADFINDER_EMBED_MODEL)
  --compare A B        two --json results side by side, with B - A`;

/** A file the user named, read as text; its absence or unreadability is bad input naming it. */
async function readNamedFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`${what} ${file} cannot be read (${code})`, { cause: error });
  }
}

async function readResult(file: string): Promise<EvalResult> {
  let value: Partial<EvalResult>;
  try {
    value = JSON.parse(await readNamedFile(file, 'eval result')) as Partial<EvalResult>;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${file}: not a threadfinder eval --json file (${(error as Error).message})`);
  }
  const sections = ['view', 'attributes', 'labelled'] as const;
  const whole = sections.every((k) => typeof value?.[k] === 'object' && value[k] !== null);
  if (
    value?.format !== 'threadfinder-eval' ||
    !whole ||
    typeof value.index !== 'object' ||
    value.index === null
  )
    throw new ConfigError(`${file}: not a threadfinder eval --json file (or an incomplete one)`);
  return value as EvalResult;
}

/** Fails before the evaluation runs when the --json file's folder does not exist or cannot be written. */
async function checkWritable(file: string): Promise<void> {
  try {
    await access(path.dirname(path.resolve(file)), constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`--json ${file}: its folder cannot be written (${code})`, { cause: error });
  }
}

/** Runs `threadfinder eval`; returns the exit code (0; 4 when --queries lines were refused; bad input throws). */
export async function runEvalCommand(
  argv: string[],
  config: Config,
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'string' },
      queries: { type: 'string' },
      compare: { type: 'boolean', default: false },
      'view-queries': { type: 'string' },
      'embed-model': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    out(EVAL_USAGE);
    return 0;
  }
  if (values.compare) {
    if (positionals.length !== 2) throw new ConfigError(`eval --compare needs two files\n\n${EVAL_USAGE}`);
    const [a, b] = positionals as [string, string];
    out(renderCompare(await readResult(a), await readResult(b), [a, b]));
    return 0;
  }
  if (positionals.length > 0)
    throw new ConfigError(`eval takes no file argument: ${positionals[0]}\n\n${EVAL_USAGE}`);
  const viewQueries = values['view-queries'] === undefined ? undefined : Number(values['view-queries']);
  if (viewQueries !== undefined && !(Number.isInteger(viewQueries) && viewQueries > 0)) {
    throw new ConfigError(`--view-queries must be a positive whole number, got ${values['view-queries']}`);
  }
  if (values.json) await checkWritable(values.json);
  let labelled: ReturnType<typeof parseLabelledQueries> | undefined;
  if (values.queries) {
    labelled = parseLabelledQueries(await readNamedFile(values.queries, '--queries'), values.queries);
    for (const problem of labelled.problems) err(problem);
  }
  const models = await ensureModels(
    config,
    { embed: values['embed-model'], need: 'search' },
    { sink: process.stderr },
  );
  const standIn = models.mode === 'test' || models.embed.standIn;
  if (standIn) err(TEST_MODELS_BANNER);
  const rt = await createLocalRuntime(config, models, { readOnly: true });
  try {
    const result = await runEval(
      { store: rt.store, text: await rt.textEmbedder() },
      // The bundled sample has no labels file: its product names stand in (each name -> its product).
      { viewQueries, labelled: labelled?.queries, namesAsQueries: hasSample(config.dataDir) },
    );
    const saved = { ...result, standIn };
    if (standIn) out('STAND-IN MODELS: the numbers below are meaningless (they only show that eval runs).\n');
    out(renderEval(result));
    if (values.json) await writeFile(values.json, `${JSON.stringify(saved, null, 2)}\n`);
    return labelled && labelled.problems.length > 0 ? 4 : 0;
  } finally {
    await rt.close();
  }
}
