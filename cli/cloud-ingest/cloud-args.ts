import { InputError } from '#core/errors.ts';

/** `ingest --cloud` options, in node:util parseArgs form. */
export const CLOUD_OPTIONS = {
  cloud: { type: 'boolean' },
  watch: { type: 'string' },
  'state-machine': { type: 'string' },
  bucket: { type: 'string' },
  interval: { type: 'string' },
} as const;

/** Every cloud option applies to `ingest` only. */
export const CLOUD_ONLY_WITH: Record<keyof typeof CLOUD_OPTIONS, readonly string[]> = {
  cloud: ['ingest'],
  watch: ['ingest'],
  'state-machine': ['ingest'],
  bucket: ['ingest'],
  interval: ['ingest'],
};

/** Local options the deployed stack decides for itself. */
const LOCAL_ONLY = ['format', 'group-size', 'force-refresh', 'embed-model', 'segment-model'] as const;

/** A parsed `ingest --cloud` command line. */
export interface CloudArgs {
  /** A local catalog file or s3://BUCKET/KEY; absent with `watch`. */
  catalog?: string;
  /** An execution ARN to watch again. */
  watch?: string;
  stateMachineArn?: string;
  bucket?: string;
  pollIntervalMs?: number;
}

/** `help` for the cloud options. */
export const CLOUD_USAGE = `Cloud (the deployed AWS stack):
  ingest --cloud FILE|s3://BUCKET/KEY   upload or copy the catalog to the stack's bucket, start an ingestion, watch it
  ingest --cloud --watch EXECUTION_ARN  watch a running cloud ingestion again (Ctrl-C stops watching, not the run)
  --state-machine ARN   the ingestion state machine (default THREADFINDER_STATE_MACHINE_ARN; a stack output)
  --bucket NAME         the stack's data bucket (default THREADFINDER_BUCKET; a stack output)
  --interval SECONDS    time between polls of the execution (default 5)
  --prune applies too; AWS credentials and profiles come from the usual AWS SDK settings (AWS_PROFILE, ...).
  Exit codes as above; also 1 when the execution failed, timed out or was aborted, 130 when you stop watching.`;

type Values = Partial<
  Record<keyof typeof CLOUD_OPTIONS | (typeof LOCAL_ONLY)[number] | 'catalog' | 'prune', unknown>
>;

/** Whether the command line asks for the cloud (any cloud option given). */
export function isCloudCommand(values: Values): boolean {
  return Object.keys(CLOUD_OPTIONS).some((name) => values[name as keyof Values] !== undefined);
}

/** Checks `ingest --cloud ...`; throws InputError naming the option that does not fit. */
export function parseCloudArgs(values: Values, positionals: string[]): CloudArgs {
  const stray = Object.keys(CLOUD_OPTIONS).find((name) => values[name as keyof Values] !== undefined);
  if (values.cloud !== true)
    throw new InputError(`--${stray} needs --cloud: threadfinder ingest --cloud ...`);
  const local = LOCAL_ONLY.find((name) => values[name] !== undefined);
  if (local) {
    throw new InputError(
      `--${local} does not apply to ingest --cloud (the deployed stack reads the catalog itself)`,
    );
  }
  const catalogs = [...(typeof values.catalog === 'string' ? [values.catalog] : []), ...positionals];
  if (catalogs.length > 1)
    throw new InputError('ingest --cloud takes one catalog (a file or s3://BUCKET/KEY)');
  const watch = str(values.watch);
  if (watch !== undefined && (catalogs.length > 0 || values.prune === true)) {
    throw new InputError('--watch re-attaches to a running execution: give it no catalog and no --prune');
  }
  if (watch === undefined && catalogs.length === 0) {
    throw new InputError(
      'ingest --cloud needs a catalog: threadfinder ingest --cloud FILE|s3://BUCKET/KEY (or --watch EXECUTION_ARN)',
    );
  }
  return {
    catalog: catalogs[0],
    watch,
    stateMachineArn: str(values['state-machine']),
    bucket: str(values.bucket),
    pollIntervalMs: values.interval === undefined ? undefined : parseInterval(String(values.interval)),
  };
}

function parseInterval(value: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= 1 && seconds <= 300)) {
    throw new InputError(
      `--interval must be a number of seconds from 1 to 300, got ${JSON.stringify(value)}`,
    );
  }
  return Math.round(seconds * 1000);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
