import { type FileHandle, open } from 'node:fs/promises';

/** How much of the log is read at once: a log is read in stretches of whole lines, never held whole. */
export const READ_BYTES = 32 << 20;
const NEWLINE = 0x0a;

/**
 * Receives one stretch of a log that starts at file offset `offset` after `line` lines: whole lines, or the
 * file's last bytes. Returns how many lines it held.
 */
export type StretchReader = (data: Buffer, offset: number, line: number) => number;

/**
 * Reads `file` in stretches of whole lines of about `readBytes` (as much again for a longer line), handing each
 * in file order to the reader `start` makes once it knows the file's size. Returns whether the file exists and
 * how many bytes were read.
 */
export async function readLogStretches(
  file: string,
  start: (fileBytes: number) => StretchReader,
  readBytes = READ_BYTES,
): Promise<{ exists: boolean; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { exists: false, size: 0 };
  }
  try {
    const read = start((await handle.stat()).size);
    let offset = 0; // where `pending` starts in the file
    let line = 0; // lines before `pending`
    let pending = Buffer.alloc(0); // bytes read that do not end in a newline yet
    for (;;) {
      // The unfinished line first, then the next stretch read in after it (as much again for a long line).
      const chunk = Buffer.allocUnsafe(pending.length + Math.max(readBytes, pending.length));
      pending.copy(chunk, 0);
      const room = chunk.length - pending.length;
      const { bytesRead } = await handle.read(chunk, pending.length, room, offset + pending.length);
      if (bytesRead === 0) break;
      const bytes = chunk.subarray(0, pending.length + bytesRead);
      const whole = bytes.lastIndexOf(NEWLINE) + 1;
      line += read(bytes.subarray(0, whole), offset, line);
      offset += whole;
      pending = bytes.subarray(whole);
    }
    read(pending, offset, line);
    return { exists: true, size: offset + pending.length };
  } finally {
    await handle.close();
  }
}
