import { parseArgs } from 'node:util';
import type { Config } from '#core/config.ts';
import { ConfigError } from '#core/errors.ts';
import { DEFAULT_RUN_MAX_AGE_MS } from './collect.ts';
import { GcRefusedError } from './errors.ts';
import { formatGcReport } from './report-text.ts';
import { runGc } from './run-gc.ts';

/** Exit code of `gc` when it refused to run (an ingestion holds a lock, or an index is damaged). */
export const GC_REFUSED_EXIT = 7;

const DAY_MS = 24 * 3600 * 1000;

/** `threadfinder gc --help`. */
export const GC_USAGE = `threadfinder gc [--apply] [--runs-older-than DAYS]
  Garbage collection of the data dir (THREADFINDER_DATA_DIR). A dry run by default: lists per kind what would
  be deleted and the bytes. Deletes originals, masked images and URL records that no stored product (of any
  model's index) and no URL a stored product lists references, and run files (runs/, map-results/) older than
  DAYS; catalogs are kept. Never deletes what the index references. Safe beside \`serve\` (one started before
  the last ingestion may miss the masked images of products changed since: restart it). Refused (exit
  ${GC_REFUSED_EXIT}) while an ingestion runs (its catalog or index lock), when the index is damaged (run check --repair)
  or when there is no index at all.
  --apply                  delete, then compact the index log
  --runs-older-than DAYS   age of the run files that go (default ${DEFAULT_RUN_MAX_AGE_MS / DAY_MS}; 0: all but the newest finished run)
  --cloud                  not available yet (the bucket's lifecycle rules expire only its run files).`;

/** Runs `threadfinder gc`; returns the exit code. */
export async function runGcCommand(
  argv: string[],
  config: Config,
  out: (line: string) => void = console.log,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      apply: { type: 'boolean', default: false },
      'runs-older-than': { type: 'string' },
      cloud: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    out(GC_USAGE);
    return 0;
  }
  if (values.cloud) throw new ConfigError('gc --cloud is not available yet; run gc on a local data dir');
  const days = values['runs-older-than'];
  const age = days === undefined ? DEFAULT_RUN_MAX_AGE_MS : Number(days) * DAY_MS;
  if (!Number.isFinite(age) || age < 0)
    throw new ConfigError(`--runs-older-than must be a number of days (0 or more), not ${days}`);
  try {
    out(formatGcReport(await runGc(config.dataDir, { apply: values.apply, runMaxAgeMs: age })));
    return 0;
  } catch (error) {
    if (!(error instanceof GcRefusedError)) throw error;
    out(`gc refused, nothing deleted: ${error.message}`);
    return GC_REFUSED_EXIT;
  }
}
