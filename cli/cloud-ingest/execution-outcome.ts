import type { DescribeExecutionCommandOutput, DescribeMapRunCommandOutput } from '@aws-sdk/client-sfn';
import { REFUSED_EXIT } from '#cli/exit-codes.ts';
import { summaryKey as runSummaryKey } from '#core/contracts/run-layout.ts';
import { needsAttention } from '#functions/aggregate/attention.ts';
import { INGEST_ERRORS, INGEST_OUTPUT } from '#infra/ingest-states.ts';
import { oneLine } from './aws-errors.ts';
import { formatSummary, type Json, readJsonPath, summaryFacts } from './summary-lines.ts';

/** Where the aggregate step's compact summary sits in the execution's output (its ResultPath in infra/). */
export const SUMMARY_OUTPUT_PATH = `$.${INGEST_OUTPUT.aggregate}`;
/** Where the Prepare step's result sits in the execution's output (catalog counts, problems file). */
export const PREPARED_OUTPUT_PATH = `$.${INGEST_OUTPUT.prepared}`;
/** Where the overlap guard puts its refusal in the (SUCCEEDED) execution's output. */
export const REFUSED_OUTPUT_PATH = `$.${INGEST_OUTPUT.refused}`;
/** The error the overlap guard when another run holds the catalog's lock. */
export const ALREADY_RUNNING_ERROR = INGEST_ERRORS.alreadyRunning;
/** The error of the Fail state reached after a failed Map Run or aggregate step (what was embedded is stored). */
export const INCOMPLETE_ERROR = INGEST_ERRORS.incomplete;

/** Exit codes, as the local CLI uses them. */
export const EXIT = { ok: 0, failed: 1, needsAttention: 4, refused: REFUSED_EXIT, interrupted: 130 } as const;

/** The report printed once the execution has ended, and the exit code it implies. */
export interface Outcome {
  lines: string[];
  exitCode: number;
  summary?: Json;
}

/** Reads the ended execution: the summary on success, error and cause otherwise. */
export function describeOutcome(
  execution: DescribeExecutionCommandOutput,
  map: DescribeMapRunCommandOutput | undefined,
  bucket: string | undefined,
): Outcome {
  const status = execution.status ?? 'UNKNOWN';
  const runId = execution.name ?? '';
  const where = (key: string) => (bucket ? `s3://${bucket}/${key}` : key);
  const summaryKey = runSummaryKey(runId);
  if (status !== 'SUCCEEDED') return failureOutcome(execution, where(summaryKey));
  const output = parseJson(execution.output);
  const refused = readJsonPath(output, REFUSED_OUTPUT_PATH);
  if (isObject(refused) && refused.error === ALREADY_RUNNING_ERROR) return alreadyRunningOutcome(execution);
  const lines = [`Execution SUCCEEDED: ${execution.executionArn}`];
  const prepared = readJsonPath(output, PREPARED_OUTPUT_PATH);
  if (isObject(prepared)) lines.push(...catalogLines(prepared, where));
  const summary = readJsonPath(output, SUMMARY_OUTPUT_PATH);
  const mapFailed = (map?.itemCounts?.failed ?? 0) + (map?.itemCounts?.timedOut ?? 0);
  if (mapFailed > 0) lines.push(`Map Run: ${mapFailed} items failed or timed out (see the summary)`);
  if (summary === undefined) {
    lines.push(`The execution's output has no summary at ${SUMMARY_OUTPUT_PATH}; its output was:`);
    lines.push(clip(JSON.stringify(output, null, 2) ?? '(none)', 4000));
    return { lines, exitCode: EXIT.needsAttention };
  }
  lines.push(...formatSummary(summary));
  const key = isObject(summary) && typeof summary.summaryKey === 'string' ? summary.summaryKey : summaryKey;
  lines.push(`Full summary: ${where(key)}`);
  const catalogErrors = isObject(prepared) ? Number(prepared.catalogErrors ?? 0) : 0;
  const attention = needsAttention(summaryFacts(summary, { catalogErrors, incomplete: mapFailed > 0 }));
  return { lines, exitCode: attention ? EXIT.needsAttention : EXIT.ok, summary };
}

/** Where the aggregate step writes a run's full summary; the run id is the execution's name. */

function failureOutcome(execution: DescribeExecutionCommandOutput, summaryAt: string): Outcome {
  const status = execution.status ?? 'UNKNOWN';
  const lines = [`Execution ${status}: ${execution.executionArn}`];
  if (execution.error === ALREADY_RUNNING_ERROR) return alreadyRunningOutcome(execution);
  if (execution.error) lines.push(`Error: ${execution.error}`);
  if (execution.cause) lines.push(`Cause: ${describeCause(execution.cause)}`);
  if (execution.error === INCOMPLETE_ERROR)
    lines.push(`Products embedded before the failure are stored: ${summaryAt}`);
  return { lines, exitCode: EXIT.failed };
}

/** Another run holds the catalog's lock (a SUCCEEDED execution that refused; FAILED before this stack version). */
function alreadyRunningOutcome(execution: DescribeExecutionCommandOutput): Outcome {
  const lines = [`Execution ${execution.status ?? 'UNKNOWN'}: ${execution.executionArn}`];
  lines.push(
    'Another ingestion of this catalog is still running, so this one stopped before doing any work.',
    'Find it and watch it with:',
    `  aws stepfunctions list-executions --state-machine-arn ${execution.stateMachineArn} --status-filter RUNNING`,
    '  threadfinder ingest --cloud --watch <its executionArn>',
  );
  return { lines, exitCode: EXIT.refused };
}

/** A Lambda's cause is JSON ({errorType, errorMessage, trace}): show its type and message, not the trace. */
function describeCause(cause: string): string {
  const parsed = parseJson(cause);
  if (isObject(parsed) && typeof parsed.errorMessage === 'string') {
    return oneLine(`${parsed.errorType ?? 'Error'}: ${parsed.errorMessage}`, 500);
  }
  return clip(cause, 1000);
}

function catalogLines(prepared: Record<string, Json>, where: (key: string) => string): string[] {
  const refused = Number(prepared.catalogErrors ?? 0);
  const parts = [
    `Catalog ${prepared.catalogKey ?? ''}: ${prepared.format ?? '?'}`,
    `${prepared.products ?? '?'} products, ${prepared.images ?? '?'} images`,
  ];
  if (refused > 0) parts.push(`${refused} rows refused`);
  if (Number(prepared.catalogWarnings ?? 0) > 0) parts.push(`${prepared.catalogWarnings} warnings`);
  const lines = [parts.join(', ')];
  if (typeof prepared.problemsKey === 'string')
    lines.push(`Catalog problems: ${where(prepared.problemsKey)}`);
  return lines;
}

function parseJson(text: string | undefined): Json | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

function isObject(value: Json | undefined): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length - max} more characters)` : text;
}
