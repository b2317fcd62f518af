import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Sender } from './ports.ts';
import type { Json } from './summary-lines.ts';

/** Summaries larger than this are not printed (the compact one in the execution output is far smaller). */
const MAX_SUMMARY_BYTES = 5 * 1024 * 1024;

/**
 * Reads a run's full summary from the data bucket, for a run that failed after its aggregate step wrote one.
 * Undefined when it is missing, too large or unreadable: the caller still prints where it would be.
 */
export async function readRunSummary(
  s3: S3Sender,
  location: { bucket: string; key: string },
  call: <T>(send: () => Promise<T>) => Promise<T>,
): Promise<Json | undefined> {
  try {
    const range = `bytes=0-${MAX_SUMMARY_BYTES - 1}`;
    const object = await call(() =>
      s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key, Range: range })),
    );
    // A cut-off summary is not JSON, so one over the limit ends up undefined here.
    return JSON.parse((await object.Body?.transformToString()) ?? '') as Json;
  } catch {
    return undefined;
  }
}
