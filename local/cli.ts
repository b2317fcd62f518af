import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config.ts';
import { InputError, ThreadfinderError } from '../core/errors.ts';
import { resolveModels } from '../models/resolve.ts';
import { MODELS_USAGE, runModelsCommand } from './models-cli.ts';
import { ingestCatalogFile, needsAttention } from './run-ingest.ts';
import { createLocalRuntime } from './runtime.ts';
import { startSampleSource } from './sample-source.ts';
import { serveSearch } from './serve.ts';

const USAGE = `Usage: threadfinder <command> [options]

Commands:
  start [--catalog FILE]   ingest a catalog (default: the bundled sample), then serve search
  ingest FILE              ingest a catalog and exit
  serve                    serve search over what is already ingested
  models list|fetch|verify list, download or check the models (threadfinder models --help)

Options:
  --format auto|urls|csv|jsonl   catalog format (default: auto-detected)
  --group-size N                 images per product in a plain URL list (default 3)
  --skip-ingest                  start: serve without ingesting
  --prune                        delete stored products that are not in this catalog (skipped if a batch failed)
  --embed-model ID               embedding model (default THREADFINDER_EMBED_MODEL, else marqo-fashion-siglip)
  --segment-model ID             segmentation model (default THREADFINDER_SEGMENT_MODEL, else u2net_cloth_seg)

Exit codes: 0 done; 2 bad input or configuration; 3 models missing; 4 ingested, but catalog rows were refused,
a batch failed or nothing was stored (see the summary).

Environment: PORT (default 3000), THREADFINDER_HOST (default 127.0.0.1), THREADFINDER_MODELS=test (tiny stand-in models: results are meaningless),
THREADFINDER_DATA_DIR (default .threadfinder), THREADFINDER_MODELS_DIR (default <data dir>/models),
THREADFINDER_GARMENT_CLASSES (default upper,lower,full), THREADFINDER_IMAGE_FIT (pad|model, default pad).

${MODELS_USAGE}`;

const TEST_MODELS_BANNER = `
  ***************************************************************************************
  *  THREADFINDER_MODELS=test: running with tiny generated stand-in models.             *
  *  Every stage runs for real, but vectors are meaningless and so are search results.  *
  ***************************************************************************************
`;

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'models') {
    const io = { out: (line: string) => console.log(line), err: process.stderr };
    process.exitCode = await runModelsCommand(argv.slice(1), loadConfig(), io);
    return;
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      catalog: { type: 'string' },
      format: { type: 'string', default: 'auto' },
      'group-size': { type: 'string', default: '3' },
      'skip-ingest': { type: 'boolean', default: false },
      prune: { type: 'boolean', default: false },
      'embed-model': { type: 'string' },
      'segment-model': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command || command === 'help') {
    console.log(USAGE);
    return;
  }
  const format = parseFormat(values.format);
  const groupSize = parseGroupSize(values['group-size']);
  const prune = values.prune;
  const config = loadConfig();
  const models = await resolveModels(config, {
    embed: values['embed-model'],
    segment: values['segment-model'],
  });
  if (models.mode === 'test') console.warn(TEST_MODELS_BANNER);

  if (command === 'ingest') {
    const file = rest[0];
    if (!file) throw new ThreadfinderError(`ingest needs a catalog file\n\n${USAGE}`);
    const rt = await createLocalRuntime(config, models);
    try {
      const report = await ingestCatalogFile(rt, { file, format, groupSize, prune });
      if (needsAttention(report)) process.exitCode = 4;
    } finally {
      await rt.close();
    }
    return;
  }
  if (command !== 'start' && command !== 'serve')
    throw new ThreadfinderError(`unknown command ${command}\n\n${USAGE}`);

  const sample = command === 'start' && !values.catalog ? await startSampleSource(config.dataDir) : undefined;
  const rt = await createLocalRuntime(config, models, { allowAddresses: sample ? [sample.address] : [] });
  const closers: (() => Promise<void>)[] = [() => rt.close()];
  if (sample) closers.push(() => sample.server.close());
  installShutdown(closers);
  if (command === 'start' && !values['skip-ingest']) {
    const file = values.catalog ?? sample?.catalogFile ?? '';
    if (sample) console.log(`Sample catalog: ${file} (images served from ${sample.server.url})`);
    await ingestCatalogFile(rt, { file, format, groupSize, prune });
  }
  const server = await serveSearch(rt, { port: config.port, host: config.host });
  closers.unshift(() => server.close());
  console.log(
    `\nSearch is ready: ${server.url}  (${await rt.store.count()} products, model ${models.embed.id})`,
  );
  if ((await rt.store.count()) === 0) {
    console.log(
      'The index is empty: ingest a catalog first (threadfinder ingest FILE, or start --catalog FILE).',
    );
  }
  console.log(`Try: ${server.url}/api/search?q=red%20striped%20shirt   Ctrl-C to stop.`);
  if (models.mode === 'test') console.warn('Reminder: stand-in models, results are meaningless.');
}

function parseFormat(value: string | undefined): 'auto' | 'urls' | 'csv' | 'jsonl' {
  const formats = ['auto', 'urls', 'csv', 'jsonl'] as const;
  const found = formats.find((f) => f === value);
  if (!found)
    throw new InputError(`--format must be one of ${formats.join(', ')}, got ${JSON.stringify(value)}`);
  return found;
}

function parseGroupSize(value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 20) {
    throw new InputError(`--group-size must be a whole number from 1 to 20, got ${JSON.stringify(value)}`);
  }
  return n;
}

function installShutdown(closers: (() => Promise<void>)[]): void {
  const stop = async () => {
    for (const close of closers) await close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export { main };

/** Runs the CLI and maps errors to a message and an exit code; never prints a stack for a known error. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await main(argv);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      console.error(`threadfinder: cannot listen: ${(error as Error).message}; set PORT to a free port`);
      process.exitCode = 2;
    } else if (error instanceof ThreadfinderError) {
      console.error(`threadfinder: ${error.message}`);
      process.exitCode = error.name === 'ModelMissingError' ? 3 : 2;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
    process.exit();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runCli(process.argv.slice(2));
