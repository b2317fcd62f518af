import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApi } from '../functions/search/api.ts';
import type { LocalRuntime } from './runtime.ts';
import { startServer } from './server.ts';

/** The page's folder in the repository. */
export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web');

/** Loads the text encoder, then serves the API and the page; resolves once listening. */
export async function serveSearch(rt: LocalRuntime, options: { port: number; host?: string }) {
  const text = await rt.textEmbedder();
  const api = createApi({ text, store: rt.store, isReady: () => true, webDir: WEB_DIR });
  return startServer({ api, port: options.port, host: options.host });
}
