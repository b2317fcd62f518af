import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type EnvironmentFaultError, environmentFaultOf } from '#core/env-fault.ts';
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
  /**
   * The least a transfer must bring in each `windowMs` (default SLOWEST_TRANSFER): a host that trickles bytes
   * never goes idle long enough for the idle timeout, so a slower transfer is cut and resumed like an interrupted
   * one.
   */
  slowest?: { bytes: number; windowMs: number };
}

/** 64 KiB a minute: far below any real link, far above a host that only keeps the connection open. */
export const SLOWEST_TRANSFER = { bytes: 64 * 1024, windowMs: 60_000 };

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

/**
 * What `<dest>.partial.json` records about the download `<dest>.partial` holds, written when its first byte
 * arrived: a resume sends `If-Range` with the validator and checks the server's Content-Range against the total.
 */
interface PartialRecord {
  url: string;
  etag?: string;
  lastModified?: string;
  totalBytes: number | null;
}

async function readRecord(file: string): Promise<PartialRecord | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const record = JSON.parse(text) as PartialRecord;
    return typeof record.url === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}

// If-Range takes a strong ETag or a date; a weak ETag never matches, so Last-Modified serves instead.
const validatorOf = (record: PartialRecord | undefined) =>
  record?.etag && !record.etag.startsWith('W/') ? record.etag : record?.lastModified;

/** The body ran past the total the download started with: the resume was not of the same file. */
class Overflow extends ModelFetchError {}

// System calls of the connection, not of the disk: an EACCES there is not the data folder's.
const NETWORK_SYSCALLS = new Set(['connect', 'getaddrinfo', 'bind']);

function diskFault(error: unknown, partial: string) {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const syscall = (e as NodeJS.ErrnoException).syscall;
    if (syscall && NETWORK_SYSCALLS.has(syscall)) return undefined;
  }
  return environmentFaultOf(error, { pathIfUnnamed: partial, action: 'writing' });
}

function discard(res: OpenResponse): void {
  res.body.on('error', () => undefined);
  res.body.destroy();
}

// Appends the body to `partial`, failing once the file would pass `limit` bytes or the file's `total`.
async function append(
  res: OpenResponse,
  partial: string,
  offset: number,
  limit: number,
  total: number | null,
  job: DownloadJob,
  options: DownloadOptions,
) {
  let received = offset;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > limit) {
        done(
          new ModelFetchError(`${job.url} sent more than the limit of ${limit} bytes`, 'too_large', job.url),
        );
        return;
      }
      if (total !== null && received > total) {
        done(new Overflow(`the server sent more than the file's ${total} bytes`, 'interrupted', job.url));
        return;
      }
      options.onProgress?.({ url: job.url, dest: job.dest, receivedBytes: received, totalBytes: total });
      done(null, chunk);
    },
  });
  const slowest = options.slowest ?? SLOWEST_TRANSFER;
  let mark = received;
  const watchdog = setInterval(() => {
    if (received - mark < slowest.bytes) {
      const why = `only ${received - mark} bytes came in ${slowest.windowMs / 1000} s (the least accepted is ${slowest.bytes})`;
      res.body.destroy(
        new ModelFetchError(`download of ${job.url} was too slow: ${why}`, 'interrupted', job.url),
      );
    }
    mark = received;
  }, slowest.windowMs);
  watchdog.unref();
  try {
    await pipeline(res.body, meter, createWriteStream(partial, { flags: 'a' }));
  } finally {
    clearInterval(watchdog);
  }
}

// Why a 206 does not continue the partial file (undefined: it does).
function rangeProblem(
  res: OpenResponse,
  offset: number,
  record: PartialRecord | undefined,
  file: ModelFile,
): string | undefined {
  const header = res.headers['content-range'] ?? '';
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header);
  if (!range || !record) return `the server answered the resume with Content-Range "${header}"`;
  const [start, end] = [Number(range[1]), Number(range[2])];
  const total = range[3] === '*' ? null : Number(range[3]);
  if (start !== offset) return `the server resumed at byte ${start}, not at byte ${offset}`;
  const expected = file.sizeBytes ?? record.totalBytes;
  if (total === null || (expected !== null && total !== expected)) {
    return `the server says the file has ${range[3]} bytes, not the ${expected} the download started with`;
  }
  if (end !== total - 1)
    return `the server's range ends at byte ${end}, not at the file's end (${total - 1})`;
  const length = res.headers['content-length'];
  if (length !== undefined && Number(length) !== end - start + 1) {
    return `the server's Content-Length ${length} does not match its range ${start}-${end}`;
  }
  return undefined;
}

/**
 * Downloads one file to `<dest>.partial` (resuming a partial file with Range), verifies it against the
 * registry, then renames it into place. A file that fails verification or overflows its limit is deleted,
 * so the cache never holds a corrupt file under its real name.
 *
 * A resume continues only a partial file this code started: `<dest>.partial.json` records its URL, ETag,
 * Last-Modified and total size. Without that record (or for another URL) the partial file is discarded; the
 * resume sends If-Range, and a Content-Range whose start, end or total does not continue the partial file
 * starts the download over, once, then fails. A disk fault (disk full, read-only, permission denied) is not
 * retried: it is thrown at once as an EnvironmentFaultError naming the file.
 */
export async function downloadFile(
  job: DownloadJob,
  agent: ReturnType<typeof createFetchAgent>,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const partial = `${job.dest}.partial`;
  const recordFile = `${partial}.json`;
  await fs.mkdir(path.dirname(job.dest), { recursive: true });
  const limit = byteLimit(job.file);
  let record = await readRecord(recordFile);
  let offset = await sizeOf(partial);
  const restart = async (): Promise<number> => {
    await fs.rm(partial, { force: true });
    await fs.rm(recordFile, { force: true });
    record = undefined;
    return 0;
  };
  const recordedTotal = record?.totalBytes ?? null;
  if (
    offset > limit ||
    (offset > 0 && record?.url !== job.url) ||
    (recordedTotal !== null && offset > recordedTotal)
  ) {
    offset = await restart();
  }
  let requests = 0;
  let connectFailures = 0;
  let restarts = 0;
  let fault: EnvironmentFaultError | undefined;
  const resumedFrom: number[] = [];

  // Starts over after a resume that does not continue the partial file; a second time, gives up.
  const startOver = async (why: string): Promise<Attempt<ModelFetchError | null>> => {
    offset = await restart();
    restarts++;
    if (restarts > 1) {
      return { retry: false, value: interrupted(job, `${why}, again after starting over; giving up`) };
    }
    return { retry: true, value: interrupted(job, `${why}; starting over`), retryAfterMs: 0 };
  };

  const attempt = async (): Promise<Attempt<ModelFetchError | null>> => {
    try {
      const res = await openGet(job.url, offset, agent, options, validatorOf(record));
      requests++;
      if (offset > 0) resumedFrom.push(offset);
      if (res.status === 416) {
        discard(res);
        const total = /^bytes \*\/(\d+)$/.exec(res.headers['content-range'] ?? '')?.[1];
        const expected = job.file.sizeBytes ?? record?.totalBytes ?? null;
        if (Number(total) === offset && (expected === null || expected === offset)) {
          return { retry: false, value: null };
        }
        return startOver('the server refused the resume range');
      }
      if (res.status === 206) {
        const problem = rangeProblem(res, offset, record, job.file);
        if (problem) {
          discard(res);
          return startOver(problem);
        }
      } else if (res.status === 200) {
        if (offset > 0) offset = await restart();
        const declared = Number(res.headers['content-length']);
        if (declared > limit) {
          discard(res);
          return {
            retry: false,
            value: tooLarge(job, `declares ${declared} bytes, over the limit of ${limit}`),
          };
        }
        const length = res.headers['content-length'];
        record = {
          url: job.url,
          ...(res.headers.etag && { etag: res.headers.etag }),
          ...(res.headers['last-modified'] && { lastModified: res.headers['last-modified'] }),
          totalBytes: job.file.sizeBytes ?? (length === undefined ? null : Number(length)),
        };
        await fs.writeFile(recordFile, JSON.stringify(record));
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
      const total = job.file.sizeBytes ?? record?.totalBytes ?? null;
      await append(res, partial, offset, limit, total, job, options);
      offset = await sizeOf(partial);
      if (total !== null && offset < total) {
        return { retry: true, value: interrupted(job, `the body ended at byte ${offset}`) };
      }
      return { retry: false, value: null };
    } catch (error) {
      fault = diskFault(error, partial);
      if (fault) return { retry: false, value: null };
      if (error instanceof Overflow) return startOver(error.message);
      offset = await sizeOf(partial);
      const failure = classifyError(error, job.url);
      if (failure.failure === 'too_large') offset = await restart();
      if (failure.failure === 'unreachable') connectFailures++;
      const retry =
        failure.failure === 'interrupted' ||
        (failure.failure === 'unreachable' && connectFailures <= (options.connectRetries ?? 1));
      return { retry, value: failure };
    }
  };
  const policy = { retries: options.retries ?? 5, baseDelayMs: 500, maxDelayMs: 30_000 };
  const outcome = await withRetries(attempt, policy, options.clock ?? realClock);
  if (fault) throw fault;
  if (outcome.value) throw outcome.value;

  const digest = await digestFile(partial);
  const verdict = judge(job.file, digest);
  if (!verdict.ok) {
    await restart();
    throw new ModelFetchError(
      `${job.url} failed verification (${verdict.problem}); the download was deleted`,
      'checksum',
      job.url,
    );
  }
  await fs.rename(partial, job.dest);
  await fs.rm(recordFile, { force: true });
  return { dest: job.dest, digest, verified: verdict.level, requests, resumedFrom };
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
