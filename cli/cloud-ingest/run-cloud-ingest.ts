import { randomBytes } from 'node:crypto';
import { type DescribeExecutionCommandOutput, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { cloudPlanComparison } from '#cli/plan/plan-record.ts';
import { summaryKey as runSummaryKey } from '#core/contracts/run-layout.ts';
import { CLOUD_ENV } from '#core/env-names.ts';
import { ConfigError, InputError } from '#core/errors.ts';
import { explainAwsError, isAbort } from './aws-errors.ts';
import { DEFAULT_BACKOFF, withBackoff } from './backoff.ts';
import { describeOutcome, EXIT, INCOMPLETE_ERROR } from './execution-outcome.ts';
import { ProgressPrinter } from './map-run-progress.ts';
import { placeCatalog } from './place-catalog.ts';
import type { CloudIngestDeps } from './ports.ts';
import { readRunSummary } from './read-summary.ts';
import { formatSummary, type Json, readJsonPath } from './summary-lines.ts';
import { checkExecutionArn, regionOfArn, resolveCloudTarget } from './target.ts';
import { watchExecution } from './watch-execution.ts';

/** What to ingest in the deployed stack, or which execution to watch again. */
export interface CloudIngestOptions {
  /** A local catalog file or `s3://bucket/key`; omit when `watch` is given. */
  catalog?: string;
  /** An execution ARN to re-attach to instead of starting one. */
  watch?: string;
  /** Defaults to THREADFINDER_STATE_MACHINE_ARN in `env`. */
  stateMachineArn?: string;
  /** Defaults to THREADFINDER_BUCKET in `env`. */
  bucket?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Delete stored products the catalog no longer lists (the aggregate skips it when a batch failed). */
  prune?: boolean;
  /** Default 5000. */
  pollIntervalMs?: number;
  /** Aborting stops watching; the execution keeps running. */
  signal?: AbortSignal;
}

/** How a cloud ingestion ended, from this command's point of view. */
export interface CloudIngestResult {
  executionArn?: string;
  /** The execution's final status, or WATCH_STOPPED / NOT_STARTED after the signal aborted. */
  status: string;
  /** 0 done, 1 failed, 4 needs attention, 130 stopped watching. */
  exitCode: number;
  summary?: Json;
}

/** Default time between two polls of the execution. */
export const DEFAULT_POLL_INTERVAL_MS = 5000;

/**
 * Places the catalog in the data bucket, starts the ingestion state machine and watches it to the end,
 * printing Map Run progress and then the summary (or the error). Watching stops when the signal aborts.
 */
export async function runCloudIngest(
  options: CloudIngestOptions,
  deps: CloudIngestDeps,
): Promise<CloudIngestResult> {
  const log = (line: string) => deps.out.write(`${line}\n`);
  const { signal } = options;
  const policy = { ...DEFAULT_BACKOFF, sleep: deps.sleep, random: deps.random ?? Math.random, signal };
  const call = <T>(send: () => Promise<T>) => withBackoff(send, policy);
  const env = options.env ?? {};
  let action = 'placing the catalog';

  const watch = async (executionArn: string, bucket: string | undefined, justStarted: boolean) => {
    action = 'watching the execution';
    const progress = new ProgressPrinter(deps.out, deps.now, deps.now());
    const intervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    const seen = await watchExecution(executionArn, {
      ...deps,
      call,
      intervalMs,
      signal,
      progress,
      log,
      justStarted,
    });
    if (seen.stopped || !seen.execution) {
      log(stoppedWatching(executionArn).join('\n'));
      return { executionArn, status: 'WATCH_STOPPED', exitCode: EXIT.interrupted };
    }
    const outcome = describeOutcome(seen.execution, seen.map, bucket);
    if (bucket && seen.execution.error === INCOMPLETE_ERROR) {
      const key = runSummaryKey(seen.execution.name ?? '');
      const full = await readRunSummary(deps.s3, { bucket, key }, call);
      if (full !== undefined) outcome.lines.push('What this run stored:', ...formatSummary(full));
    }
    outcome.lines.push(...(await planLines(seen.execution, outcome.summary)));
    log(outcome.lines.join('\n'));
    return {
      executionArn,
      status: seen.execution.status ?? 'UNKNOWN',
      exitCode: outcome.exitCode,
      summary: outcome.summary,
    };
  };

  /** The run against `plan --cloud`'s prediction for the same local catalog file, when there is one. */
  const planLines = async (execution: DescribeExecutionCommandOutput, summary: Json | undefined) => {
    const file = options.catalog;
    if (!deps.plans || !file || file.startsWith('s3://')) return [];
    const plan = await deps.plans.read(file).catch(() => undefined);
    const { startDate, stopDate } = execution;
    if (!plan || !startDate || !stopDate) return [];
    const images = readJsonPath(summary, '$.images');
    const count = (name: string) =>
      typeof images === 'object' && images !== null && !Array.isArray(images) ? Number(images[name] ?? 0) : 0;
    const seconds = (stopDate.getTime() - startDate.getTime()) / 1000;
    return cloudPlanComparison(plan, { images: count('total'), imagesDeferred: count('deferred'), seconds });
  };

  try {
    if (options.watch) {
      const arn = checkExecutionArn(options.watch);
      log(`Watching ${arn}`);
      return await watch(arn, options.bucket || env[CLOUD_ENV.bucket], false);
    }
    if (!options.catalog)
      throw new InputError('ingest --cloud needs a catalog: a local file or s3://BUCKET/KEY');
    const target = resolveCloudTarget(options, env);
    const { key } = await placeCatalog(options.catalog, target.bucket, { s3: deps.s3, call, log, signal });
    if (signal?.aborted) {
      log('Stopped before starting an execution.');
      return { status: 'NOT_STARTED', exitCode: EXIT.interrupted };
    }
    action = 'starting the execution';
    const name = executionName(deps.now(), (deps.randomHex ?? hex)(4));
    const input = JSON.stringify({ catalogKey: key, prune: options.prune === true });
    // No abort signal here: once asked, we want the ARN back to tell the user how to watch or stop it.
    const started = await call(() =>
      deps.sfn.send(new StartExecutionCommand({ stateMachineArn: target.stateMachineArn, name, input })),
    );
    const executionArn = started.executionArn ?? '';
    log(`Started ${name} on s3://${target.bucket}/${key}${options.prune ? ' (with prune)' : ''}`);
    log(`  ${executionArn}\n  Console: ${consoleUrl(executionArn)}`);
    return await watch(executionArn, target.bucket, true);
  } catch (error) {
    if (isAbort(error) && signal?.aborted) {
      log('Stopped before starting an execution.');
      return { status: 'NOT_STARTED', exitCode: EXIT.interrupted };
    }
    if ((error as Error).name === 'StateMachineDoesNotExist') {
      throw new ConfigError(
        `state machine not found: ${(error as Error).message}; is the stack deployed in this account and region?`,
      );
    }
    throw explainAwsError(error, action);
  }
}

/** `run-<yyyymmddThhmmss>-<hex>`: a valid, sortable and unique Step Functions execution name. */
export function executionName(epochMs: number, randomHex: string): string {
  const stamp = new Date(epochMs).toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `run-${stamp}-${randomHex}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 80);
}

function stoppedWatching(executionArn: string): string[] {
  return [
    'Stopped watching; the execution keeps running.',
    `  Watch it again: threadfinder ingest --cloud --watch ${executionArn}`,
    `  Stop it:        aws stepfunctions stop-execution --execution-arn ${executionArn}`,
  ];
}

function consoleUrl(executionArn: string): string {
  const region = regionOfArn(executionArn) ?? 'us-east-1';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
