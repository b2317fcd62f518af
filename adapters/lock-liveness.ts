import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { holdsToken, LOCK_STALE_AFTER_MS } from './lock-lease.ts';

/**
 * Who runs a process, as a lock file records it. `started` (clock ticks after boot, field 22 of
 * /proc/<pid>/stat), `boot` (/proc/sys/kernel/random/boot_id) and `pidns` (the pid namespace, /proc/self/ns/pid)
 * are absent where /proc is not readable.
 */
export interface ProcessIdentity {
  pid: number;
  host: string;
  started?: number;
  boot?: string;
  pidns?: string;
}

/** A lock's holder as read from its file: any field may be missing in a file an older version wrote. */
export interface LockHolder extends Partial<ProcessIdentity> {
  token?: string;
  since?: string;
}

/** `this-process`: a lock this process holds; `live`: held by a running process; `stale`: its holder is gone. */
export type HolderState = 'this-process' | 'live' | 'stale';

let self: ProcessIdentity | undefined;

/** This process's identity, read once. */
export function thisProcess(): ProcessIdentity {
  self ??= {
    pid: process.pid,
    host: hostname(),
    ...optional('started', startTimeOf(process.pid)),
    ...optional(
      'boot',
      readProc(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()),
    ),
    ...optional(
      'pidns',
      readProc(() => readlinkSync('/proc/self/ns/pid')),
    ),
  };
  return self;
}

/** When process `pid` started (clock ticks after boot), or undefined where /proc does not say. */
export function startTimeOf(pid: number): number | undefined {
  return readProc(() => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may hold spaces; fields 3 and on follow the last ')'.
    const started = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isSafeInteger(started) ? started : undefined;
  });
}

/** True while process `pid` of this machine runs (EPERM: it runs, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a lock file's holder still holds it. On this machine (same host, boot and pid namespace): this
 * process by the lock's token, never by pid (a lock with this pid and a token this process does not hold was
 * left by an earlier process that had the same pid, PID 1 in a container); another pid while it runs and, where
 * /proc says, started when the lock says. From another machine: while the holder's heartbeat keeps the file's
 * mtime younger than LOCK_STALE_AFTER_MS.
 */
export function holderState(holder: LockHolder, mtimeMs: number, nowMs = Date.now()): HolderState {
  const me = thisProcess();
  if (holder.pid === undefined || !sameMachine(holder, me)) {
    return nowMs - mtimeMs < LOCK_STALE_AFTER_MS ? 'live' : 'stale';
  }
  if (holder.pid === me.pid) {
    return holder.token !== undefined && holdsToken(holder.token) ? 'this-process' : 'stale';
  }
  if (!isAlive(holder.pid)) return 'stale';
  const started = holder.started === undefined ? undefined : startTimeOf(holder.pid);
  return started === undefined || started === holder.started ? 'live' : 'stale';
}

/**
 * Who holds a lock and the way out, for refusals: "process 12 on host-a since <time> (lock file <path>); if no
 * Threadfinder process on host-a uses <what>, delete <path>", with the lease's age for a holder elsewhere.
 */
export function explainHolder(
  holder: LockHolder,
  lockPath: string,
  mtimeMs: number,
  uses: string,
  nowMs = Date.now(),
): string {
  const who = holder.pid === undefined ? 'a process' : `process ${holder.pid}`;
  const host = holder.host ?? 'an unknown host';
  const lease =
    holder.pid === undefined || !sameMachine(holder, thisProcess())
      ? `, refreshed ${Math.max(0, Math.round((nowMs - mtimeMs) / 1000))} s ago; ` +
        `it lapses ${LOCK_STALE_AFTER_MS / 1000} s after its holder's last refresh`
      : '';
  return (
    `${who} on ${host} since ${holder.since ?? 'an unknown time'} (lock file ${lockPath}${lease}); ` +
    `if no Threadfinder process on ${host} uses ${uses}, delete ${lockPath}`
  );
}

function sameMachine(holder: LockHolder, me: ProcessIdentity): boolean {
  const differs = (key: 'boot' | 'pidns') =>
    holder[key] !== undefined && me[key] !== undefined && holder[key] !== me[key];
  return holder.host === me.host && !differs('boot') && !differs('pidns');
}

function readProc<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
