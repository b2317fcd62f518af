import type { BlobStore } from '#core/ports/blob-store.ts';
import { isObject } from './asl.ts';
import { type ResultWriterDetails, TerminalStateError } from './errors.ts';

/** Status of a child execution in a Map Run's results. */
export type ChildStatus = 'SUCCEEDED' | 'FAILED' | 'PENDING';

/** One child execution as ResultWriter exports it (Transformation NONE). */
export interface ChildExecutionRecord {
  ExecutionArn: string;
  /** The child's input, as a JSON string. */
  Input: string;
  Name: string;
  /** The child's output, as a JSON string (SUCCEEDED only). */
  Output?: string;
  /** The ASL error name and cause (FAILED only). */
  Error?: string;
  Cause?: string;
  Status: ChildStatus;
  StartDate?: string;
  StopDate?: string;
  StateMachineArn: string;
}

/** One result file named in the manifest. */
export interface ResultFile {
  Key: string;
  Size: number;
}

/** The `manifest.json` a ResultWriter writes next to the result files. */
export interface MapRunManifest {
  DestinationBucket: string;
  MapRunArn: string;
  ResultFiles: Record<ChildStatus, ResultFile[]>;
}

/** AWS splits result files at 5 GB; locally a smaller bound keeps each file readable in one go. */
export const DEFAULT_RESULT_FILE_MAX_BYTES = 64 * 1024 * 1024;

/** Checks the resolved ResultWriter parameters and returns where results go. */
export function writerTarget(parameters: unknown, stateName: string): { bucket: string; prefix: string } {
  const where = `Distributed Map "${stateName}" ResultWriter`;
  if (!isObject(parameters))
    throw new TerminalStateError('States.Runtime', `${where}: parameters must be an object`);
  if (typeof parameters.Bucket !== 'string' || parameters.Bucket === '') {
    throw new TerminalStateError('States.Runtime', `${where}: Bucket must be a non-empty string`);
  }
  const prefix = parameters.Prefix ?? '';
  if (typeof prefix !== 'string')
    throw new TerminalStateError('States.Runtime', `${where}: Prefix must be a string`);
  return { bucket: parameters.Bucket, prefix };
}

/**
 * Writes what AWS writes for a Map Run: `<Prefix>/<mapRunId>/<STATUS>_<n>.json` (JSON arrays of child records,
 * split past `maxFileBytes`), then `manifest.json` naming them. Returns the Map's ResultWriterDetails.
 */
export async function writeMapRunResults(
  blobs: BlobStore,
  run: { bucket: string; prefix: string; mapRunId: string; mapRunArn: string },
  records: ChildExecutionRecord[],
  maxFileBytes = DEFAULT_RESULT_FILE_MAX_BYTES,
): Promise<ResultWriterDetails> {
  const prefix = run.prefix.replace(/^\/+|\/+$/g, '');
  const folder = prefix === '' ? run.mapRunId : `${prefix}/${run.mapRunId}`;
  const resultFiles: Record<ChildStatus, ResultFile[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  for (const status of ['SUCCEEDED', 'FAILED', 'PENDING'] as const) {
    const chunks = splitBySize(
      records.filter((record) => record.Status === status),
      maxFileBytes,
    );
    for (const [index, chunk] of chunks.entries()) {
      const key = `${folder}/${status}_${index}.json`;
      const bytes = Buffer.from(`[${chunk.join(',')}]`);
      await blobs.put(key, bytes, 'application/json');
      resultFiles[status].push({ Key: key, Size: bytes.byteLength });
    }
  }
  const manifest: MapRunManifest = {
    DestinationBucket: run.bucket,
    MapRunArn: run.mapRunArn,
    ResultFiles: resultFiles,
  };
  const manifestKey = `${folder}/manifest.json`;
  await blobs.put(manifestKey, Buffer.from(JSON.stringify(manifest)), 'application/json');
  return { Bucket: run.bucket, Key: manifestKey };
}

function splitBySize(records: ChildExecutionRecord[], maxFileBytes: number): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 2;
  for (const record of records) {
    const text = JSON.stringify(record);
    const added = Buffer.byteLength(text) + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && size + added > maxFileBytes) {
      chunks.push(current);
      current = [];
      size = 2;
    }
    size += Buffer.byteLength(text) + (current.length > 0 ? 1 : 0);
    current.push(text);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
