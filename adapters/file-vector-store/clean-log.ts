import { randomUUID } from 'node:crypto';
import { type FileHandle, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { environmentFaultOf } from '#core/env-fault.ts';
import { ThreadfinderError } from '#core/errors.ts';
import { syncDir, writeFileAtomically } from '#core/fs-atomic.ts';
import type { SpanList } from './scan.ts';

const CHUNK_BYTES = 1 << 20;
const NEWLINE = Buffer.from('\n');

/**
 * Copies a log's damaged bytes, in file order, to `<log>.damaged-<ms>` beside it (durably); returns its path.
 * When an earlier attempt already set aside the same bytes (it then failed to rewrite the log, say on a full
 * disk), that copy is returned instead of a second one.
 */
export async function setAsideDamage(file: string, pieces: Buffer[]): Promise<string> {
  const damaged = Buffer.concat(pieces);
  const earlier = await sameCopy(file, damaged);
  if (earlier) return earlier;
  const target = `${file}.damaged-${Date.now()}`;
  try {
    await writeFileAtomically(target, damaged, { durable: true });
  } catch (error) {
    const fault = environmentFaultOf(error, { pathIfUnnamed: target, action: 'writing' });
    if (fault) throw fault;
    throw new ThreadfinderError(
      `cannot set aside the damaged lines of ${file} in ${target}: ${(error as Error).message}; the log is left as it was`,
      { cause: error },
    );
  }
  return target;
}

/** An existing `<log>.damaged-*` beside `file` holding exactly `bytes`, if any. */
async function sameCopy(file: string, bytes: Buffer): Promise<string | undefined> {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.damaged-`;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(prefix)).sort()) {
    const copy = path.join(dir, name);
    const same =
      (await stat(copy).catch(() => undefined))?.size === bytes.length &&
      (await readFile(copy).catch(() => undefined))?.equals(bytes);
    if (same) return copy;
  }
  return undefined;
}

/**
 * Replaces `file` with `lines`, each ended by a newline (after `header` when given): a temp file, fsync,
 * rename and fsync of the folder, so a crash leaves either the old log or the clean one. Returns its size.
 */
export async function writeCleanLog(
  file: string,
  lines: Iterable<Buffer> | AsyncIterable<Buffer>,
  header?: string,
): Promise<number> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.clean`);
  let written = 0;
  try {
    const out = await open(temp, 'wx');
    try {
      let pending: Buffer[] = header ? [Buffer.from(header, 'utf8')] : [];
      let pendingBytes = pending[0]?.length ?? 0;
      const flush = async () => {
        const chunk = Buffer.concat(pending);
        for (let done = 0; done < chunk.length; ) {
          done += (await out.write(chunk, done, chunk.length - done, written + done)).bytesWritten;
        }
        written += chunk.length;
        pending = [];
        pendingBytes = 0;
      };
      for await (const line of lines) {
        pending.push(line, NEWLINE);
        pendingBytes += line.length + 1;
        if (pendingBytes >= CHUNK_BYTES) await flush();
      }
      await flush();
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    const fault = environmentFaultOf(error, { pathIfUnnamed: file, action: 'writing' });
    if (fault) throw fault;
    throw new ThreadfinderError(
      `cannot rewrite ${file} without its damaged lines: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  await syncDir(path.dirname(file));
  return written;
}

/** Reads the stretches `spans` names from `file`, in order, several at a time (up to `readBytes` a read). */
export async function* readSpans(
  file: string,
  spans: SpanList,
  readBytes = 8 * CHUNK_BYTES,
): AsyncGenerator<Buffer> {
  const handle = await open(file, 'r');
  try {
    for (let first = 0; first < spans.length; ) {
      const start = spans.offsetAt(first);
      let next = first + 1;
      while (next < spans.length && spanEnd(spans, next) - start <= readBytes) next++;
      const buffer = Buffer.alloc(spanEnd(spans, next - 1) - start);
      await readFully(handle, buffer, start, file);
      for (let i = first; i < next; i++) {
        const at = spans.offsetAt(i) - start;
        yield buffer.subarray(at, at + spans.bytesAt(i));
      }
      first = next;
    }
  } finally {
    await handle.close();
  }
}

function spanEnd(spans: SpanList, i: number): number {
  return spans.offsetAt(i) + spans.bytesAt(i);
}

async function readFully(handle: FileHandle, buffer: Buffer, position: number, file: string): Promise<void> {
  for (let done = 0; done < buffer.length; ) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) throw new ThreadfinderError(`${file} ended while its valid lines were read back`);
    done += bytesRead;
  }
}
