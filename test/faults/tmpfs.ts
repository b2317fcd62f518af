import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A small tmpfs mounted for a test: a real file system that fills up or turns read-only. */
export interface Tmpfs {
  dir: string;
  /** Remounts with new options, e.g. `ro`, `rw,size=64m`. */
  remount(options: string): Promise<void>;
  unmount(): Promise<void>;
}

/**
 * Mounts a tmpfs of `size` (e.g. `256k`) on `dir`; resolves to why not when this machine does not allow it
 * (not root, no CAP_SYS_ADMIN, no `mount`), so the test can skip with that message.
 */
export async function mountTmpfs(dir: string, size: string): Promise<Tmpfs | string> {
  await mkdir(dir, { recursive: true });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0777`, 'tmpfs', dir]);
  } catch (error) {
    return `cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]})`;
  }
  return {
    dir,
    remount: async (options) => {
      await run('mount', ['-o', `remount,${options}`, dir]);
    },
    unmount: async () => {
      await run('umount', [dir]);
    },
  };
}
