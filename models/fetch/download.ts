import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ModelFile } from '#core/model-spec.ts';
import {
  type Attempt,
  isRetryableStatus,
  parseRetryAfter,
  type RetryClock,
  withRetries,
} from '#core/retry.ts';
import { byteLimit, digestFile, type FileDigest, judge, type VerifyLevel } from './checksum.ts';
import { ModelFetchError } from './errors.ts';
import { classifyError } from './failures.ts';
import { type createFetchAgent, type FetchHttpOptions, type OpenResponse, openGet } from './http.ts';

/** One file to download: where from, where to, and what the registry says about it. */
export interface DownloadJob {
  url: string;
  dest: string;
  file: ModelFile;
}

/** Bytes on disk so far for one file (including bytes resumed from an earlier attempt). */
export interface DownloadProgress {
  url: string;
  dest: string;
  receivedBytes: number;
  totalBytes: number | null;
}

/** Retry and progress settings of a download, on top of the network ones. */
export interface DownloadOptions extends FetchHttpOptions {
  /** Retries after an interrupted transfer, a 429 or a 5xx (default 5); each resumes with a Range request. */
  retries?: number;
  /** Retries after a failed connect (default 1), so that being offline fails within seconds. */
  connectRetries?: number;
  clock?: RetryClock;
  onProgress?: (progress: DownloadProgress) => void;
}

/** A file that arrived, was verified and was renamed into place. */
export interface DownloadResult {
  dest: string;
  digest: FileDigest;
  verified: VerifyLevel;
  /** HTTP requests made (redirect hops not counted). */
  requests: number;
  /** Byte offsets the download resumed from, one per Range request. */
  resumedFrom: number[];
}

const realClock: RetryClock = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

const sizeOf = async (file: string) => (await fs.stat(file).catch(() => undefined))?.size ?? 0;

function discard(res: OpenResponse): void {
  res.body.on('error', () => undefined);
  res.body.destroy();
}

// Appends the body to `partial`, failing once the file would pass `limit` bytes.
async function append(
  res: OpenResponse,
  partial: string,
  offset: number,
  limit: number,
  job: DownloadJob,
  options: DownloadOptions,
) {
  let received = offset;
  const total = job.file.sizeBytes ?? (Number(res.headers['content-length']) + offset || null);
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > limit) {
        done(
          new ModelFetchError(`${job.url} sent more than the limit of ${limit} bytes`, 'too_large', job.url),
        );
        return;
      }
      options.onProgress?.({ url: job.url, dest: job.dest, receivedBytes: received, totalBytes: total });
      done(null, chunk);
    },
  });
  await pipeline(res.body, meter, createWriteStream(partial, { flags: 'a' }));
}

/**
 * Downloads one file to `<dest>.partial` (resuming a partial file with Range), verifies it against the
 * registry, then renames it into place. A file that fails verification or overflows its limit is deleted,
 * so the cache never holds a corrupt file under its real name.
 */
export async function downloadFile(
  job: DownloadJob,
  agent: ReturnType<typeof createFetchAgent>,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const partial = `${job.dest}.partial`;
  await fs.mkdir(path.dirname(job.dest), { recursive: true });
  const limit = byteLimit(job.file);
  let offset = await sizeOf(partial);
  if (offset > limit) offset = await restart(partial);
  let requests = 0;
  let connectFailures = 0;
  const resumedFrom: number[] = [];

  const attempt = async (): Promise<Attempt<ModelFetchError | null>> => {
    try {
      const res = await openGet(job.url, offset, agent, options);
      requests++;
      if (offset > 0) resumedFrom.push(offset);
      if (res.status === 416) {
        discard(res);
        const total = /^bytes \*\/(\d+)$/.exec(res.headers['content-range'] ?? '')?.[1];
        if (Number(total) === offset) return { retry: false, value: null };
        offset = await restart(partial);
        return {
          retry: true,
          value: interrupted(job, 'the server refused the resume range'),
          retryAfterMs: 0,
        };
      }
      if (res.status === 206) {
        const start = /^bytes (\d+)-/.exec(res.headers['content-range'] ?? '')?.[1];
        if (Number(start) !== offset) {
          discard(res);
          offset = await restart(partial);
          return {
            retry: true,
            value: interrupted(job, 'the server resumed at the wrong byte'),
            retryAfterMs: 0,
          };
        }
      } else if (res.status === 200) {
        if (offset > 0) offset = await restart(partial);
        const declared = Number(res.headers['content-length']);
        if (declared > limit) {
          discard(res);
          return {
            retry: false,
            value: tooLarge(job, `declares ${declared} bytes, over the limit of ${limit}`),
          };
        }
      } else {
        discard(res);
        const error = httpError(job, res);
        if (!isRetryableStatus(res.status)) return { retry: false, value: error };
        return {
          retry: true,
          value: error,
          retryAfterMs: parseRetryAfter(res.headers['retry-after'], Date.now()),
        };
      }
      await append(res, partial, offset, limit, job, options);
      offset = await sizeOf(partial);
      if (job.file.sizeBytes !== null && offset < job.file.sizeBytes) {
        return { retry: true, value: interrupted(job, `the body ended at byte ${offset}`) };
      }
      return { retry: false, value: null };
    } catch (error) {
      offset = await sizeOf(partial);
      const failure = classifyError(error, job.url);
      if (failure.failure === 'too_large') offset = await restart(partial);
      if (failure.failure === 'unreachable') connectFailures++;
      const retry =
        failure.failure === 'interrupted' ||
        (failure.failure === 'unreachable' && connectFailures <= (options.connectRetries ?? 1));
      return { retry, value: failure };
    }
  };
  const policy = { retries: options.retries ?? 5, baseDelayMs: 500, maxDelayMs: 30_000 };
  const outcome = await withRetries(attempt, policy, options.clock ?? realClock);
  if (outcome.value) throw outcome.value;

  const digest = await digestFile(partial);
  const verdict = judge(job.file, digest);
  if (!verdict.ok) {
    await fs.rm(partial, { force: true });
    throw new ModelFetchError(
      `${job.url} failed verification (${verdict.problem}); the download was deleted`,
      'checksum',
      job.url,
    );
  }
  await fs.rename(partial, job.dest);
  return { dest: job.dest, digest, verified: verdict.level, requests, resumedFrom };
}

async function restart(partial: string): Promise<number> {
  await fs.rm(partial, { force: true });
  return 0;
}

const interrupted = (job: DownloadJob, why: string) =>
  new ModelFetchError(`download of ${job.url} was interrupted: ${why}`, 'interrupted', job.url);

const tooLarge = (job: DownloadJob, why: string) =>
  new ModelFetchError(`${job.url} ${why}`, 'too_large', job.url);

function httpError(job: DownloadJob, res: OpenResponse): ModelFetchError {
  const hint = res.status === 404 ? ' (not found: is the registry revision right?)' : '';
  const via = res.finalUrl === job.url ? '' : ` (redirected to ${res.finalUrl})`;
  return new ModelFetchError(`HTTP ${res.status} from ${job.url}${via}${hint}`, 'http', job.url);
}
