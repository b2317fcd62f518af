import { randomUUID } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ThreadfinderError } from '#core/errors.ts';
import { syncDir, writeFileAtomically } from '#core/fs-atomic.ts';

const CHUNK_BYTES = 1 << 20;
const NEWLINE = Buffer.from('\n');

/** Copies a log's damaged bytes, in file order, to `<log>.damaged-<ms>` beside it (durably); returns its path. */
export async function setAsideDamage(file: string, pieces: Buffer[]): Promise<string> {
  const target = `${file}.damaged-${Date.now()}`;
  try {
    await writeFileAtomically(target, Buffer.concat(pieces), { durable: true });
  } catch (error) {
    throw new ThreadfinderError(
      `cannot set aside the damaged lines of ${file} in ${target}: ${(error as Error).message}; the log is left as it was`,
      { cause: error },
    );
  }
  return target;
}

/**
 * Replaces `file` with `lines`, each ended by a newline (after `header` when given): a temp file, fsync,
 * rename and fsync of the folder, so a crash leaves either the old log or the clean one. Returns its size.
 */
export async function writeCleanLog(file: string, lines: Buffer[], header?: string): Promise<number> {
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
      for (const line of lines) {
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
