import { Console } from 'node:console';
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, SERVICE } from './names.ts';

/** One function's Powertools Logger (structured JSON) and Metrics (CloudWatch EMF). */
export interface Observability {
  stage: string;
  logger: Logger;
  metrics: Metrics;
  /** A metrics object that publishes at once with extra dimensions (e.g. a failure reason), to the same sink. */
  single(dimensions: Record<string, string>): Metrics;
}

/** Where the lines go: stdout in Lambda (CloudWatch Logs parses EMF there), a JSON-lines file locally. */
export type LogSink = { kind: 'stdout' } | { kind: 'file'; file: string };

/**
 * Logger and Metrics for one stage, with the stage as a persistent log key and a metric dimension.
 *
 * @example
 * const obs = createObservability('embed'); // in Lambda
 * const local = createObservability('embed', { kind: 'file', file: '<data dir>/logs/threadfinder.jsonl' });
 */
export function createObservability(stage: string, sink: LogSink = { kind: 'stdout' }): Observability {
  const logger = new Logger({ serviceName: SERVICE, persistentKeys: { stage } });
  const metrics = new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: SERVICE,
    defaultDimensions: { stage },
    logger,
  });
  // Powertools writes through its own Console (stdout); locally the same lines go to a file instead, so the
  // terminal keeps its progress bar. Appends are synchronous: a run that exits keeps every line.
  const out = sink.kind === 'file' ? fileConsole(sink.file) : undefined;
  const redirect = <T>(tool: T): T => {
    if (out) (tool as unknown as { console: Console }).console = out;
    return tool;
  };
  redirect(logger);
  redirect(metrics);
  const single = (dimensions: Record<string, string>) =>
    redirect(metrics.singleMetric()).addDimensions(dimensions);
  return { stage, logger, metrics, single };
}

const consoles = new Map<string, Console>();

/** A local log file past this size is moved to `<file>.1` (replacing the one before), so it never grows without end. */
export const LOCAL_LOG_MAX_BYTES = 16 * 1024 * 1024;

function fileConsole(file: string): Console {
  let found = consoles.get(file);
  if (!found) {
    mkdirSync(path.dirname(file), { recursive: true });
    let size = sizeOf(file);
    let warned = false;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        // A log line never stops a run: on a full or read-only disk it is dropped, and the run reports the
        // fault itself where it writes its data.
        try {
          if (size + chunk.length > LOCAL_LOG_MAX_BYTES) {
            renameSync(file, `${file}.1`);
            size = 0;
          }
          appendFileSync(file, chunk);
          size += chunk.length;
        } catch (error) {
          size = sizeOf(file);
          // Said once, so that a run whose log cannot be written is not silently without one.
          if (!warned) {
            warned = true;
            const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
            process.stderr.write(
              `threadfinder: cannot write the log file ${file} (${why}): its lines are dropped\n`,
            );
          }
        }
        done();
      },
    });
    found = new Console({ stdout: stream, stderr: stream });
    consoles.set(file, found);
  }
  return found;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
