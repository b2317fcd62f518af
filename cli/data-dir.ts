import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '#core/errors.ts';

/**
 * Refuses, as a configuration mistake, a data dir that does not exist or is a file, for a command (`check`,
 * `serve`) that only reads one: a mistyped THREADFINDER_DATA_DIR would otherwise report on, or serve, nothing.
 * `hint` ends the message for a data dir that does not exist.
 */
export async function assertDataDir(dataDir: string, verb: string, hint = ''): Promise<void> {
  const found = await stat(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  const where = path.resolve(dataDir);
  if (found === null) {
    throw new ConfigError(
      `nothing to ${verb} at ${where}: there is no data dir there (nothing was ingested into it). Is THREADFINDER_DATA_DIR right? It defaults to .threadfinder in the current folder${hint}.`,
    );
  }
  if (!found.isDirectory())
    throw new ConfigError(`nothing to ${verb} at ${where}: it is a file, not a data dir`);
}
