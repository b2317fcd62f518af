import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ModelFile } from '#core/model-spec.ts';

/** How strongly a file on disk was checked against what its publisher states. */
export type VerifyLevel = 'sha256' | 'sha256-partial' | 'md5' | 'size' | 'unverified';

/** Digest and size of a file. */
export interface FileDigest {
  sizeBytes: number;
  sha256: string;
  md5: string;
}

/** Reads a file once, computing its sha256 and md5. */
export async function digestFile(file: string): Promise<FileDigest> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let sizeBytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    sha256.update(chunk as Buffer);
    md5.update(chunk as Buffer);
    sizeBytes += (chunk as Buffer).length;
  }
  return { sizeBytes, sha256: sha256.digest('hex'), md5: md5.digest('hex') };
}

/** The verdict on a digest: the strongest level that matched, or what disagreed. */
export type Verdict = { ok: true; level: VerifyLevel } | { ok: false; problem: string };

/** Compares a digest with every check the registry has for the file (all must hold); strongest level wins. */
export function judge(expected: ModelFile, actual: FileDigest): Verdict {
  if (expected.sizeBytes !== null && actual.sizeBytes !== expected.sizeBytes) {
    return { ok: false, problem: `size ${actual.sizeBytes} bytes, expected ${expected.sizeBytes}` };
  }
  if (expected.sha256 !== null && actual.sha256 !== expected.sha256.toLowerCase()) {
    return { ok: false, problem: `sha256 ${actual.sha256}, expected ${expected.sha256}` };
  }
  const hint = expected.sha256Hint;
  if (hint && !(actual.sha256.startsWith(hint.prefix) && actual.sha256.endsWith(hint.suffix))) {
    return { ok: false, problem: `sha256 ${actual.sha256}, expected ${hint.prefix}…${hint.suffix}` };
  }
  if (expected.md5 !== undefined && actual.md5 !== expected.md5.toLowerCase()) {
    return { ok: false, problem: `md5 ${actual.md5}, expected ${expected.md5}` };
  }
  if (expected.sha256 !== null) return { ok: true, level: 'sha256' };
  if (hint) return { ok: true, level: 'sha256-partial' };
  if (expected.md5 !== undefined) return { ok: true, level: 'md5' };
  if (expected.sizeBytes !== null) return { ok: true, level: 'size' };
  return { ok: true, level: 'unverified' };
}

/** Largest body accepted for a file: the exact size, a rounded size plus 10 % and 1 MiB, or a generous default. */
export function byteLimit(file: ModelFile): number {
  if (file.sizeBytes !== null) return file.sizeBytes;
  if (file.approxBytes !== undefined) return Math.ceil(file.approxBytes * 1.1) + (1 << 20);
  return file.path.endsWith('.onnx') ? 2 * 1024 ** 3 : 64 * 1024 ** 2;
}
