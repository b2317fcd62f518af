import { readFile, utimes } from 'node:fs/promises';

/** How often the holder of a lock file refreshes its mtime, so another machine can tell it is alive. */
export const LOCK_HEARTBEAT_MS = 15_000;

/**
 * A lock from another machine whose file was not refreshed for this long is stale: eight heartbeats, so a
 * holder whose event loop a synchronous model run blocks for seconds (even a minute and a half) stays live.
 */
export const LOCK_STALE_AFTER_MS = 8 * LOCK_HEARTBEAT_MS;

/** The tokens of the locks this process holds (or is taking), each with its heartbeat once it has one. */
const leases = new Map<string, NodeJS.Timeout | null>();

/** Records `token` as held by this process: a lock file carrying it is this process's own, whatever its pid. */
export function claimToken(token: string): void {
  if (!leases.has(token)) leases.set(token, null);
}

/** True when this process holds (or is taking) the lock whose file carries `token`. */
export function holdsToken(token: string): boolean {
  return leases.has(token);
}

/** Forgets `token` and stops its heartbeat. */
export function dropToken(token: string): void {
  stopHeartbeat(token);
  leases.delete(token);
}

/** Stops `token`'s heartbeat; the lock is still this process's until dropToken (say, while it is removed). */
export function stopHeartbeat(token: string): void {
  const timer = leases.get(token);
  if (timer) {
    clearInterval(timer);
    leases.set(token, null);
  }
}

/**
 * Refreshes `file`'s mtime every `everyMs` while it still carries `token`; stops by itself once the file is
 * gone or holds another token (taken over), and with dropToken. The timer does not keep the process alive.
 */
export function startHeartbeat(file: string, token: string, everyMs = LOCK_HEARTBEAT_MS): void {
  stopHeartbeat(token);
  let beating = false;
  const timer = setInterval(() => {
    if (beating) return;
    beating = true;
    beat(file, token)
      .then((held) => {
        if (!held && leases.get(token) === timer) dropToken(token);
      })
      .finally(() => {
        beating = false;
      });
  }, everyMs);
  timer.unref();
  leases.set(token, timer);
}

/** One refresh; false once the lock is no longer this token's. An unexpected error waits for the next beat. */
async function beat(file: string, token: string): Promise<boolean> {
  try {
    const held = (JSON.parse(await readFile(file, 'utf8')) as { token?: unknown }).token === token;
    if (held) {
      const now = new Date();
      await utimes(file, now, now);
    }
    return held;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
