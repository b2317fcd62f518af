import { ThreadfinderError } from './errors.ts';

/** What is wrong with the machine (not with an image): the same remedy applies to every image of the run. */
export type EnvironmentFaultKind = 'disk_full' | 'read_only' | 'permission_denied' | 'too_many_open_files';

/** The errno codes that are environment faults, by kind. */
export const ENVIRONMENT_FAULT_CODES: ReadonlyMap<string, EnvironmentFaultKind> = new Map([
  ['ENOSPC', 'disk_full'],
  ['EDQUOT', 'disk_full'],
  ['EROFS', 'read_only'],
  ['EACCES', 'permission_denied'],
  ['EPERM', 'permission_denied'],
  ['EMFILE', 'too_many_open_files'],
  ['ENFILE', 'too_many_open_files'],
]);

const WORDS: Record<EnvironmentFaultKind, { fault: string; remedy: string }> = {
  disk_full: {
    fault: 'disk full',
    remedy: 'free space, or inodes if df -i shows none left, and run the same command again',
  },
  read_only: {
    fault: 'read-only file system',
    remedy: 'make it writable (or use another data folder) and run the same command again',
  },
  permission_denied: {
    fault: 'permission denied',
    remedy: 'give this user access to it (or use another data folder) and run the same command again',
  },
  too_many_open_files: {
    fault: 'too many open files',
    remedy: 'raise the open-file limit (ulimit -n) and run the same command again',
  },
};

/** Where a fault happened, as the code that hit it knows it. */
export interface FaultSite {
  /** The file or folder being used; default: the `path` the system error names. */
  path?: string;
  /** Named when neither `path` nor the system error names one (a write on an open file names none). */
  pathIfUnnamed?: string;
  /** 'writing', 'reading', ...; default: derived from the failed system call. */
  action?: string;
}

/**
 * The machine cannot go on (disk full, read-only file system, permission denied, too many open files): not an
 * image failure. The message names the fault, the path and the remedy. Its name, `EnvironmentFault`, is not
 * among the state machine's not-retried errors, so Step Functions retries the batch.
 */
export class EnvironmentFaultError extends ThreadfinderError {
  override name = 'EnvironmentFault';
  readonly kind: EnvironmentFaultKind;
  readonly code: string;
  readonly path: string | undefined;
  readonly action: string;

  constructor(
    fault: { kind: EnvironmentFaultKind; code: string; path?: string; action: string },
    cause?: unknown,
  ) {
    const words = WORDS[fault.kind];
    super(`${words.fault} while ${fault.action} ${fault.path ?? '(no path given)'}: ${words.remedy}`, {
      cause,
    });
    this.kind = fault.kind;
    this.code = fault.code;
    this.path = fault.path;
    this.action = fault.action;
  }
}

/**
 * The environment fault behind `error` (itself or any error in its `cause` chain), or undefined when it is
 * something else. An EnvironmentFaultError is returned as it is; a system error becomes one, named after
 * `site` or the path the system error carries.
 *
 * @example
 * catch (error) { throw environmentFaultOf(error, { path: file, action: 'writing' }) ?? error; }
 */
export function environmentFaultOf(error: unknown, site: FaultSite = {}): EnvironmentFaultError | undefined {
  let pathSeen: string | undefined;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    if (e instanceof EnvironmentFaultError) return e;
    const { code, path, syscall } = e as NodeJS.ErrnoException;
    pathSeen ??= typeof path === 'string' ? path : undefined;
    const kind = typeof code === 'string' ? ENVIRONMENT_FAULT_CODES.get(code) : undefined;
    if (kind && code) {
      const where = site.path ?? pathSeen ?? site.pathIfUnnamed;
      const action = site.action ?? actionOf(syscall);
      return new EnvironmentFaultError({ kind, code, action, ...(where && { path: where }) }, error);
    }
  }
  return undefined;
}

/** True when `error` is, or was caused by, an environment fault. */
export function isEnvironmentFault(error: unknown): boolean {
  return environmentFaultOf(error) !== undefined;
}

const READS = new Set(['read', 'scandir', 'stat', 'lstat', 'fstat', 'readlink', 'access', 'opendir']);

function actionOf(syscall: string | undefined): string {
  if (syscall === undefined) return 'using';
  if (syscall === 'open') return 'opening';
  return READS.has(syscall) ? 'reading' : 'writing';
}
