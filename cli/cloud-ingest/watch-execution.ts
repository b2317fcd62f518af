import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeMapRunCommand,
  type DescribeMapRunCommandOutput,
  ListMapRunsCommand,
} from '@aws-sdk/client-sfn';
import { InputError } from '#core/errors.ts';
import { isAbort, isTransientAwsError, oneLine } from './aws-errors.ts';
import { type ProgressPrinter, progressLine } from './map-run-progress.ts';
import type { SfnSender } from './ports.ts';

/** What watching needs: the client, a retrying caller, the poll interval and the user's stop signal. */
export interface WatchContext {
  sfn: SfnSender;
  call: <T>(send: () => Promise<T>) => Promise<T>;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  intervalMs: number;
  signal?: AbortSignal;
  progress: ProgressPrinter;
  log(line: string): void;
  /** Just started by us: a brief "does not exist" is read as eventual consistency, not a wrong ARN. */
  justStarted?: boolean;
}

/** The last state seen; `stopped` when the user stopped watching before the execution ended. */
export interface WatchResult {
  execution?: DescribeExecutionCommandOutput;
  map?: DescribeMapRunCommandOutput;
  stopped: boolean;
}

const NOT_FOUND_GRACE_POLLS = 3;

/** Polls the execution and its Map Run, drawing progress, until the execution ends or the signal aborts. */
export async function watchExecution(executionArn: string, ctx: WatchContext): Promise<WatchResult> {
  const opts = { abortSignal: ctx.signal };
  const result: WatchResult = { stopped: false };
  let mapRunArn: string | undefined;
  let mapReadable = true;
  let misses = 0;
  try {
    for (;;) {
      if (ctx.signal?.aborted) return { ...result, stopped: true };
      try {
        result.execution = await ctx.call(() =>
          ctx.sfn.send(new DescribeExecutionCommand({ executionArn }), opts),
        );
      } catch (error) {
        if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
        if (!ctx.justStarted || ++misses > NOT_FOUND_GRACE_POLLS) {
          throw new InputError(`no such execution: ${executionArn} (check the ARN and the region)`);
        }
        await ctx.sleep(ctx.intervalMs, ctx.signal);
        continue;
      }
      if (mapReadable) {
        try {
          mapRunArn ??= await firstMapRun(executionArn, ctx);
          if (mapRunArn) {
            const arn = mapRunArn;
            result.map = await ctx.call(() =>
              ctx.sfn.send(new DescribeMapRunCommand({ mapRunArn: arn }), opts),
            );
          }
        } catch (error) {
          if (isAbort(error) || isTransientAwsError(error)) throw error;
          // Progress is a nicety: a policy without ListMapRuns/DescribeMapRun still lets us watch the status.
          mapReadable = false;
          ctx.log(
            `(cannot read the Map Run's progress: ${oneLine((error as Error).message ?? String(error))})`,
          );
        }
      }
      const status = result.execution.status;
      ctx.progress.show(mapReadable ? progressLine(status, result.map) : `execution ${status}`);
      if (status !== 'RUNNING') return result;
      await ctx.sleep(ctx.intervalMs, ctx.signal);
    }
  } catch (error) {
    if (ctx.signal?.aborted) return { ...result, stopped: true };
    throw error;
  } finally {
    ctx.progress.end();
  }
}

async function firstMapRun(executionArn: string, ctx: WatchContext): Promise<string | undefined> {
  const listed = await ctx.call(() =>
    ctx.sfn.send(new ListMapRunsCommand({ executionArn, maxResults: 1 }), { abortSignal: ctx.signal }),
  );
  return listed.mapRuns?.[0]?.mapRunArn;
}
