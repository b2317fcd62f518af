import { parseArgs } from 'node:util';
import { REFUSED_EXIT } from '#cli/exit-codes.ts';
import type { Config } from '#core/config.ts';
import { CLOUD_ENV } from '#core/env-names.ts';
import { ConfigError } from '#core/errors.ts';
import {
  type CloudOpsDeps,
  cloudFault,
  cloudOpsSettings,
  MONGODB_URI_ENV,
  openCloudOps,
} from './cloud-ops.ts';
import { DEFAULT_RUN_MAX_AGE_MS } from './collect.ts';
import { GcRefusedError } from './errors.ts';
import { formatGcReport } from './report-text.ts';
import { DEFAULT_CLOUD_GRACE_MS, runCloudGc } from './run-cloud-gc.ts';
import { type GcReport, runGc } from './run-gc.ts';

/** Exit code of `gc` when it refused to run (an ingestion holds a lock, or an index is damaged). */
export const GC_REFUSED_EXIT = REFUSED_EXIT;

const DAY_MS = 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;

/** `threadfinder gc --help`. */
export const GC_USAGE = `threadfinder gc [--apply] [--runs-older-than DAYS] [--grace-hours H] [--cloud]
  Garbage collection of the data dir (THREADFINDER_DATA_DIR). A dry run by default: lists per kind what would
  be deleted and the bytes. Deletes originals, masked images and URL records that no stored product (of any
  model's index) and no URL a stored product lists references, the cached vectors (embeddings/) of the
  originals that go, and run files (runs/, map-results/) older than DAYS; catalogs are kept. Never deletes what the index references. Safe beside \`serve\` (one started before
  the last ingestion may miss the masked images of products changed since: restart it). Refused (exit
  ${GC_REFUSED_EXIT}) while an ingestion runs (its catalog or index lock), when the index is damaged (run check --repair)
  or when there is no index at all.
  --apply                  delete (S3: DeleteObjects batches of up to 1000 keys), then compact the index log
  --runs-older-than DAYS   age of the run files that go (default ${DEFAULT_RUN_MAX_AGE_MS / DAY_MS}; 0: all but the newest finished run)
  --cloud                  the deployed stack instead: the data bucket (${CLOUD_ENV.bucket}) against the products
                           in Atlas (${CLOUD_ENV.mongoSecretArn}, or ${MONGODB_URI_ENV}). Refused (exit ${GC_REFUSED_EXIT}) while an
                           execution of ${CLOUD_ENV.stateMachineArn} is RUNNING (checked again before each batch
                           of deletions) or when Atlas holds no product. AWS credentials and region as for the aws CLI.
  --grace-hours H          spare blobs written in the last H hours, referenced or not. --cloud: default
                           ${DEFAULT_CLOUD_GRACE_MS / HOUR_MS} (an ingestion that is starting or finishing may not have stored their products
                           yet). Locally: default 0, or since the last run began when it did not finish (Ctrl-C,
                           kill -9, a full disk): its re-run reuses what it downloaded, cut out and embedded.`;

/** Runs `threadfinder gc`; returns the exit code. `deps` opens the cloud's ports for --cloud (tests: fakes). */
export async function runGcCommand(
  argv: string[],
  config: Config,
  out: (line: string) => void = console.log,
  deps: CloudOpsDeps = {},
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      apply: { type: 'boolean', default: false },
      'runs-older-than': { type: 'string' },
      cloud: { type: 'boolean', default: false },
      'grace-hours': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    out(GC_USAGE);
    return 0;
  }
  const days = values['runs-older-than'];
  const age = days === undefined ? DEFAULT_RUN_MAX_AGE_MS : Number(days) * DAY_MS;
  if (!Number.isFinite(age) || age < 0)
    throw new ConfigError(`--runs-older-than must be a number of days (0 or more), not ${days}`);
  const hours = values['grace-hours'];
  const givenGraceMs = hours === undefined ? undefined : Number(hours) * HOUR_MS;
  if (givenGraceMs !== undefined && !(Number.isFinite(givenGraceMs) && givenGraceMs >= 0))
    throw new ConfigError(`--grace-hours must be a number of hours (0 or more), not ${hours}`);
  try {
    const report = values.cloud
      ? await cloudGc(config, deps, {
          apply: values.apply,
          runMaxAgeMs: age,
          graceMs: givenGraceMs ?? DEFAULT_CLOUD_GRACE_MS,
        })
      : await runGc(config.dataDir, {
          apply: values.apply,
          runMaxAgeMs: age,
          ...(givenGraceMs !== undefined && { graceMs: givenGraceMs }),
        });
    out(formatGcReport(report));
    return 0;
  } catch (error) {
    if (!(error instanceof GcRefusedError)) throw error;
    out(`gc refused, nothing deleted: ${error.message}`);
    return GC_REFUSED_EXIT;
  }
}

async function cloudGc(
  config: Config,
  deps: CloudOpsDeps,
  options: { apply: boolean; runMaxAgeMs: number; graceMs: number },
): Promise<GcReport> {
  const settings = cloudOpsSettings(config, deps.env ?? process.env, 'gc --cloud', { stateMachine: true });
  const ports = await openCloudOps(settings, deps);
  try {
    return await runCloudGc(ports, settings, { ...options, nowMs: (deps.now ?? Date.now)() });
  } catch (error) {
    throw cloudFault(error, settings, `collecting garbage in s3://${settings.bucket}/`);
  } finally {
    await ports.close();
  }
}
