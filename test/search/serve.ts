import path from 'node:path';
import type { TextEmbedder } from '#core/ports/models.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import { createApi } from '#functions/search/api.ts';
import { type RunningServer, startServer } from '#local/http-server.ts';
import { catalogStore, textEmbedder } from './fixtures.ts';

export const WEB_DIR = path.resolve(import.meta.dirname, '../../web');
const running: RunningServer[] = [];

export interface ServeOptions {
  store?: VectorStore;
  text?: TextEmbedder;
  ready?: () => boolean;
  webDir?: string;
}

/** Starts the real local server on 127.0.0.1 with a random port; `errors` collects what the API reports. */
export async function serve(options: ServeOptions = {}): Promise<{ url: string; errors: unknown[] }> {
  const errors: unknown[] = [];
  const api = createApi({
    text: options.text ?? textEmbedder(),
    store: options.store ?? (await catalogStore()),
    isReady: options.ready,
    webDir: options.webDir ?? WEB_DIR,
    onError: (err) => errors.push(err),
  });
  const server = await startServer({ api, port: 0 });
  running.push(server);
  return { url: server.url, errors };
}

/** Closes every server started by `serve`; call in afterEach. */
export async function closeAll(): Promise<void> {
  await Promise.all(running.splice(0).map((s) => s.close()));
}
