import fs from 'node:fs/promises';
import path from 'node:path';
import type { EmbedDtype } from '#core/config.ts';
import type { ModelSpec } from '#core/model-spec.ts';
import { filesFor } from './dtypes.ts';
import { fileUrl } from './registry.ts';

/** Folder of the generated stand-ins under a models folder. */
export const standInRoot = (modelsDir: string) => path.resolve(modelsDir, 'test');

/** The local folder a model's registry paths are relative to: `<modelsDir>/<id>`, or the stand-in root. */
export function modelDir(modelsDir: string, spec: ModelSpec): string {
  return spec.standIn ? standInRoot(modelsDir) : path.resolve(modelsDir, spec.id);
}

/** One registered file as found on disk. */
export interface FileCheck {
  path: string;
  /** Absolute path where the file belongs. */
  where: string;
  url: string | null;
  state: 'present' | 'missing' | 'wrong_size' | 'unreadable';
  sizeBytes?: number;
  line: string;
}

/**
 * Checks the files of `spec` a process running `dtype` needs under `localDir` (an embedding model's graphs of
 * other precisions are left out): present, and of the published size where one is exact.
 */
export async function checkFiles(
  spec: ModelSpec,
  localDir: string,
  dtype: EmbedDtype = 'fp32',
): Promise<FileCheck[]> {
  return Promise.all(
    filesFor(spec, dtype).map(async (f): Promise<FileCheck> => {
      const where = path.join(localDir, f.path);
      const url = fileUrl(spec, f.path);
      const from = url ? `\n        from ${url}` : '';
      const base = { path: f.path, where, url };
      let stat: import('node:fs').Stats | undefined;
      try {
        stat = await fs.stat(where);
        await fs.access(where, fs.constants.R_OK);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') {
          // Present but not readable: say so, rather than sending the user to download it again.
          return { ...base, state: 'unreadable', line: `      unreadable (${code}): ${where}` };
        }
      }
      if (!stat?.isFile()) return { ...base, state: 'missing', line: `      missing: ${where}${from}` };
      if (f.sizeBytes !== null && stat.size !== f.sizeBytes) {
        const why = `wrong size (${stat.size} bytes, expected ${f.sizeBytes}; incomplete download?)`;
        return { ...base, state: 'wrong_size', sizeBytes: stat.size, line: `      ${why}: ${where}${from}` };
      }
      return { ...base, state: 'present', sizeBytes: stat.size, line: `      present: ${where}` };
    }),
  );
}
