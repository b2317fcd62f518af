import { createHash, randomUUID } from 'node:crypto';
import { link, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { setTimeout } from 'node:timers/promises';

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

/** How long a removal marker may stand before it counts as left by a process that died mid-removal. */
export const REMOVAL_MARKER_STALE_MS = 10_000;

/**
 * Deletes `file` if it still carries `token`; a lock taken meanwhile is kept. Safe against other removers:
 * check and unlink run while holding `<file>.<hash of token>.removing`, created exclusively. A lock's token
 * never comes back once replaced, so a remover that gets the marker after another has replaced the lock sees
 * another token and leaves the file alone (a bare read-then-unlink let two takers of one stale lock each take
 * it, the second deleting the first one's fresh lock). While another process holds the marker this waits for
 * it to finish; a marker older than REMOVAL_MARKER_STALE_MS is a dead remover's, and is cleared.
 */
export async function removeIfToken(file: string, token: string | undefined): Promise<void> {
  const marker = `${file}.${createHash('sha256')
    .update(token ?? '')
    .digest('hex')
    .slice(0, 16)}.removing`;
  for (;;) {
    if (await createExclusive(marker, `${process.pid}\n`)) break;
    const since = await stat(marker).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    if (since > REMOVAL_MARKER_STALE_MS) await unlink(marker).catch(ignoreMissing);
    else await setTimeout(5);
  }
  try {
    if ((await tokenIn(file)) === token) await unlink(file).catch(ignoreMissing);
  } finally {
    await unlink(marker).catch(ignoreMissing);
  }
}

/** The token `file` holds: undefined for a file without one or torn, 'gone' when there is no file. */
async function tokenIn(file: string): Promise<unknown> {
  try {
    return (JSON.parse(await readFile(file, 'utf8')) as { token?: unknown } | null)?.token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return GONE;
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

const GONE = Symbol('gone');

/** Rethrows every error but a missing file. */
export function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
