import { pathToFileURL } from 'node:url';
import { type Config, loadConfig } from '#core/config.ts';
import { environmentFaultOf } from '#core/env-fault.ts';
import { ThreadfinderError } from '#core/errors.ts';
import { createLocalRuntime, type LocalRuntime } from '#local/runtime.ts';
import { serveSearch } from '#local/serve-search.ts';
import { ensureModels } from '#models/fetch/ensure-models.ts';
import type { ResolvedModels } from '#models/resolve.ts';
import { type CommandLine, parseCommandLine } from './args.ts';
import { assertDataDir } from './data-dir.ts';
import { REFUSED_EXIT } from './exit-codes.ts';
import { runModelsCommand } from './models-command.ts';
import { ingestCatalogFile, runNeedsAttention } from './run-ingest.ts';
import {
  hasSample,
  SAMPLE_HOST,
  type SampleSource,
  serveSavedSample,
  startSampleSource,
} from './sample-source.ts';
import { warnIfDamaged } from './store-damage.ts';
import { TEST_MODELS_BANNER, USAGE } from './usage.ts';

type DataDirCommand = (argv: string[], config: Config) => Promise<number>;

/** Commands over the data dir with their own options, each loaded only when it runs. */
const DATA_DIR_COMMANDS = new Map<string, () => Promise<DataDirCommand>>([
  ['check', async () => (await import('./check/check-command.ts')).runCheckCommand],
  ['eval', async () => (await import('./eval/eval-command.ts')).runEvalCommand],
  ['plan', async () => (await import('./plan/plan-command.ts')).runPlanCommand],
  ['gc', async () => (await import('./gc/gc-command.ts')).runGcCommand],
]);

/** Runs one command line. Resolves when a command is done; `start` and `serve` keep serving until a signal. */
export async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'models') {
    const io = { out: (line: string) => console.log(line), err: process.stderr };
    process.exitCode = await runModelsCommand(argv.slice(1), loadConfig(), io);
    return;
  }
  const command = DATA_DIR_COMMANDS.get(argv[0] ?? '');
  if (command) {
    const run = await command();
    process.exitCode = await run(argv.slice(1), loadConfig());
    return;
  }
  const line = parseCommandLine(argv);
  if (line.command === 'help') {
    console.log(USAGE);
    return;
  }
  if (line.cloud) {
    const { runCloudCommand } = await import('./cloud-ingest/cloud-command.ts');
    process.exitCode = await runCloudCommand({ ...line.cloud, prune: line.prune });
    return;
  }
  const env = loadConfig();
  const config: Config = {
    ...env,
    download: { ...env.download, forceRefresh: env.download.forceRefresh || line.forceRefresh },
  };
  // Serving a mistyped data dir would answer every search with nothing, and /healthz ok.
  if (line.command === 'serve') {
    await assertDataDir(config.dataDir, 'serve', '; threadfinder ingest <catalog> (or start) makes it');
  }
  // Missing real models are fetched (as `models fetch` does) when their host answers; offline this stops at once.
  const models = await ensureModels(
    config,
    {
      embed: line.embedModel,
      segment: line.segmentModel,
      need: line.command === 'serve' || line.skipIngest ? 'search' : 'all',
    },
    { sink: process.stderr },
  );
  if (models.mode === 'test') console.warn(TEST_MODELS_BANNER);
  if (line.command === 'ingest') return ingestCommand(config, models, line);
  return startOrServe(config, models, line);
}

async function ingestCommand(config: Config, models: ResolvedModels, line: CommandLine): Promise<void> {
  const rt = await createLocalRuntime(config, models);
  warnIfDamaged(rt.store);
  const stop = interruptible();
  let failed = false;
  try {
    const report = await ingestCatalogFile(rt, {
      ...ingestOptions(line),
      file: line.catalog ?? '',
      signal: stop.signal,
    });
    if (runNeedsAttention(report)) process.exitCode = 4;
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    stop.dispose();
    // The run's own fault is what the user must see: a full disk also fails releasing the lock, say.
    await rt.close().catch((closeError: unknown) => {
      if (!failed) throw closeError;
      console.error(`threadfinder: closing the data dir failed too: ${(closeError as Error).message}`);
    });
  }
  if (stop.signal.aborted) process.exitCode = 130;
}

async function startOrServe(config: Config, models: ResolvedModels, line: CommandLine): Promise<void> {
  const ingest = line.command === 'start' && !line.skipIngest;
  const ownsSample = line.command === 'start' && !line.catalog;
  // The store (and its lock) first: a second `start` on the same data is refused before it touches anything.
  const rt = await createLocalRuntime(config, models, {
    allowAddresses: ownsSample ? [SAMPLE_HOST] : [],
    readOnly: !ingest,
  });
  warnIfDamaged(rt.store);
  const closers: (() => Promise<void>)[] = [() => rt.close()];
  let ready = !ingest;
  let url: string;
  try {
    // Then the port, so a port in use is reported before hours of ingestion, not after.
    const server = await serveSearch(rt, { port: config.port, host: config.host, isReady: () => ready });
    closers.unshift(() => server.close());
    url = server.url;
    const sample = await sampleFor(line, config);
    if (sample) closers.push(() => sample.server.close());
    if (ingest) {
      const file = line.catalog ?? sample?.catalogFile ?? '';
      console.log(`Serving on ${url} (search answers once ingestion is done)`);
      if (sample) console.log(`Sample catalog: ${file} (images served from ${sample.server.url})`);
      const stop = interruptible();
      try {
        await ingestCatalogFile(rt, { ...ingestOptions(line), file, signal: stop.signal });
      } finally {
        stop.dispose();
      }
      if (stop.signal.aborted) throw new Interrupted();
      await rt.releaseIngestModels();
    }
  } catch (error) {
    await closeAll(closers);
    throw error;
  }
  ready = true;
  shutdownOnSignal(closers);
  await announce(rt, models, url);
}

/** `start` owns the bundled sample (drawn, served, catalog written); `serve` only serves its pictures again. */
async function sampleFor(line: CommandLine, config: Config): Promise<SampleSource | undefined> {
  if (line.catalog) return undefined;
  if (line.command === 'start') return startSampleSource(config.dataDir);
  if (!hasSample(config.dataDir)) return undefined;
  const server = await serveSavedSample(config.dataDir);
  if (!server)
    console.warn('The sample pictures cannot be served: their port is in use (is `start` running?).');
  return server && { server, catalogFile: '', address: SAMPLE_HOST };
}

async function announce(rt: LocalRuntime, models: ResolvedModels, url: string): Promise<void> {
  const count = await rt.store.count();
  console.log(`\nSearch is ready: ${url}  (${count} products, model ${models.embed.id})`);
  const damage = rt.store.damage?.();
  if (damage)
    console.warn(`Degraded: ${damage.lines.length} damaged line(s) of the index were skipped (see above).`);
  if (count === 0) {
    console.log(
      'The index is empty: ingest a catalog first (threadfinder ingest FILE, or start --catalog FILE).',
    );
  }
  console.log(`Try: ${url}/api/search?q=red%20striped%20shirt   Ctrl-C to stop.`);
  if (models.mode === 'test') console.warn('Reminder: stand-in models, results are meaningless.');
}

function ingestOptions(line: CommandLine) {
  return { format: line.format, groupSize: line.groupSize, prune: line.prune, segment: !line.noSegment };
}

/**
 * First Ctrl-C (or SIGTERM, what `docker stop`, systemd and Kubernetes send): finish the batches in flight and
 * store what they embedded. Second: quit at once. Exit code 130 either way (143 for a second SIGTERM).
 */
function interruptible(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let first = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C may reach us twice in quick succession (a launcher forwarding it): one press.
    if (controller.signal.aborted && Date.now() - first < 500) return;
    if (controller.signal.aborted) process.exit(signal === 'SIGTERM' ? 143 : 130);
    first = Date.now();
    const again = signal === 'SIGTERM' ? 'a second SIGTERM' : 'Ctrl-C again';
    console.error(
      `\nStopping (${signal}): finishing the batches in flight and storing them (${again} to quit at once)`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Ctrl-C or SIGTERM (docker stop) stops the server: no new connections, requests in flight answered within
 * CLOSE_GRACE_MS (the server then drops what is left: a client trickling bytes must not hold the process), then
 * exit 130 as usage says. A second signal exits at once.
 */
function shutdownOnSignal(closers: (() => Promise<void>)[]): void {
  let stopping = false;
  const onSignal = async (signal: NodeJS.Signals) => {
    // A second signal, whichever, quits at once.
    if (stopping) process.exit(130);
    stopping = true;
    console.error(
      `\nStopping (${signal}): answering the requests in flight (${signal} again to quit at once)`,
    );
    await closeAll(closers);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

async function closeAll(closers: (() => Promise<void>)[]): Promise<void> {
  for (const close of closers) await close().catch(() => undefined);
}

/** The user stopped an ingestion before serving started. */
class Interrupted extends ThreadfinderError {
  override name = 'Interrupted';
  constructor() {
    super('interrupted before serving; what the finished batches embedded is stored');
  }
}

/** Runs the CLI and maps errors to a message and an exit code; never prints a stack for a known error. */
export async function runCli(argv: string[]): Promise<void> {
  // Output piped into a reader that stops early (`plan big.csv | head`): the rest of the output is dropped and
  // the command runs to its end, instead of dying on an unhandled EPIPE with a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  try {
    await main(argv);
  } catch (error) {
    console.error(`threadfinder: ${messageOf(error)}`);
    process.exitCode = exitCodeOf(error);
    process.exit();
  }
}

/** Exit code of a run stopped by the machine (disk full, read-only, permission denied, too many open files). */
const ENVIRONMENT_FAULT_EXIT = 5;

function messageOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code?.startsWith('ERR_PARSE_ARGS')) return `${(error as Error).message}; see threadfinder --help`;
  const fault = environmentFaultOf(error);
  if (fault) return fault.message;
  if (code === 'ENOTDIR') return notAFolder(error as NodeJS.ErrnoException);
  if (error instanceof ThreadfinderError) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

// A file where the data dir needs a folder (`locks`, `blobs`, a model's folder): a setup problem, not a crash.
function notAFolder(error: NodeJS.ErrnoException): string {
  const where = error.path ?? '(no path given)';
  return `${where} cannot be used: a part of this path is a file where a folder is expected; move the file away or set THREADFINDER_DATA_DIR (or THREADFINDER_MODELS_DIR) to another folder`;
}

/** The exit code of a command that threw `error` (cli/usage.ts lists them). */
export function exitCodeOf(error: unknown): number {
  const code = (error as NodeJS.ErrnoException).code;
  if (code?.startsWith('ERR_PARSE_ARGS') || code === 'ENOTDIR') return 2;
  if (environmentFaultOf(error)) return ENVIRONMENT_FAULT_EXIT;
  if (!(error instanceof ThreadfinderError)) return 1;
  // A model `start` could not fetch (HTTP error, checksum, interrupted) is a model still missing.
  if (error.name === 'ModelMissingError' || error.name === 'ModelFetchError') return 3;
  if (error.name === 'Interrupted') return 130;
  // Another process holds the data dir: not the user's input; the same command works once it is done.
  if (error.name === 'IngestionRunningError' || error.name === 'StoreLockedError') return REFUSED_EXIT;
  return 2;
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) await runCli(process.argv.slice(2));
