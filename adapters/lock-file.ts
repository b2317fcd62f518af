import { randomUUID } from 'node:crypto';
import { link, readFile, stat, unlink, writeFile } from 'node:fs/promises';

/** A lock file's parsed content and its mtime (the holder's last heartbeat). */
export interface LockRead<T> {
  value: T;
  mtimeMs: number;
}

/**
 * Creates `file` holding `text` unless it exists: the text goes to a temp file that is hard-linked into place,
 * so the lock appears atomically and always complete. False when another lock is there.
 */
export async function createExclusive(file: string, text: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomUUID()}`;
  await writeFile(temp, text, { flag: 'wx' });
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(ignoreMissing);
  }
}

/** The lock in `file`, 'gone' when there is none, null when it cannot be read or parsed (`parse` says null). */
export async function readLockFile<T>(
  file: string,
  parse: (json: unknown) => T | null,
): Promise<LockRead<T> | null | 'gone'> {
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    const value = parse(JSON.parse(text));
    return value === null ? null : { value, mtimeMs: info.mtimeMs };
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : null;
  }
}

/** Deletes `file` if it still carries `token` (checked just before, so a lock taken meanwhile is kept). */
export async function removeIfToken(file: string, token: string | undefined): Promise<void> {
  let current: unknown;
  try {
    current = (JSON.parse(await readFile(file, 'utf8')) as { token?: unknown }).token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    if (!(error instanceof SyntaxError)) throw error;
  }
  if (current === token) await unlink(file).catch(ignoreMissing);
}

/** Rethrows every error but a missing file. */
export function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
