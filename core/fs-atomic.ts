import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Fsyncs a folder so a rename or creation inside it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Options of writeFileAtomically. */
export interface AtomicWriteOptions {
  /** Fsync the file and its folder, so the new content survives a crash (default false). */
  durable?: boolean;
}

/**
 * Writes `data` to `file` through a uniquely named temporary file in the same folder and a rename, creating the
 * folder first: readers and concurrent writers never see half a file, and a failed write leaves no temp file.
 */
export async function writeFileAtomically(
  file: string,
  data: Uint8Array | string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      if (options.durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (options.durable) await syncDir(dir);
}
