import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config.ts';
import { ThreadfinderError } from '../core/errors.ts';
import { resolveModels } from '../models/resolve.ts';
import { MODELS_USAGE, runModelsCommand } from './models-cli.ts';
import { ingestCatalogFile } from './run-ingest.ts';
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
  --embed-model ID               embedding model (default THREADFINDER_EMBED_MODEL, else marqo-fashion-siglip)
  --segment-model ID             segmentation model (default THREADFINDER_SEGMENT_MODEL, else u2net_cloth_seg)

Environment: PORT (default 3000), THREADFINDER_MODELS=test (tiny stand-in models: results are meaningless),
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
  const format = values.format as 'auto' | 'urls' | 'csv' | 'jsonl';
  const groupSize = Number(values['group-size']);
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
      await ingestCatalogFile(rt, { file, format, groupSize });
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
    await ingestCatalogFile(rt, { file, format, groupSize });
  }
  const server = await serveSearch(rt, { port: config.port });
  closers.unshift(() => server.close());
  console.log(
    `\nSearch is ready: ${server.url}  (${await rt.store.count()} products, model ${models.embed.id})`,
  );
  console.log(`Try: ${server.url}/api/search?q=red%20striped%20shirt   Ctrl-C to stop.`);
  if (models.mode === 'test') console.warn('Reminder: stand-in models, results are meaningless.');
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
    if (error instanceof ThreadfinderError) {
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
