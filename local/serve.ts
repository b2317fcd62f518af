import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.ts';
import { createApi } from '../functions/search/api.ts';
import type { LocalRuntime } from './runtime.ts';
import { startServer } from './server.ts';

/** The page's folder in the repository. */
export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web');

/**
 * Loads the text encoder, then serves the API and the page; resolves once listening. Until `isReady` says so
 * (an ingestion still running), searches and /healthz answer 503.
 */
export async function serveSearch(
  rt: LocalRuntime,
  options: { port: number; host?: string; isReady?: () => boolean },
) {
  const text = await rt.textEmbedder();
  const api = createApi({ text, store: rt.store, isReady: options.isReady ?? (() => true), webDir: WEB_DIR });
  try {
    return await startServer({ api, port: options.port, host: options.host });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new ConfigError(
      `cannot listen on ${options.host ?? '127.0.0.1'}:${options.port} (THREADFINDER_HOST, PORT): ${e.code ?? e.message}` +
        (e.code === 'EADDRINUSE' ? '; the port is in use, set PORT to a free one' : ''),
      { cause: error },
    );
  }
}
