import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OnnxSegmenter } from '#adapters/onnx-segmenter.ts';
import { workerOnnxSession } from '#adapters/onnx-worker-session.ts';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import { ConfigError } from '#core/errors.ts';
import { createApi } from '#functions/search/api.ts';
import { buildSearchDeps } from '#functions/search/deps.ts';
import { type RunningServer, startServer } from './http-server.ts';
import { type LocalRuntime, localPorts } from './runtime.ts';

/** The page's folder in the repository. */
export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web');

/** Options of serveSearch. */
export interface ServeOptions {
  port: number;
  host?: string;
  isReady?: () => boolean;
  /**
   * Private addresses an image search's `imageUrl` may reach (tests serving images on loopback). The
   * runtime's own downloader may reach the bundled sample server; image search does not share that.
   */
  imageUrlAllowAddresses?: readonly string[];
}

/**
 * Loads the text encoder, then serves the API and the page; resolves once listening. Until `isReady` says so
 * (an ingestion still running), searches and /healthz answer 503. The image models load on the first image
 * search; where they cannot (a search-only install without them), image search answers 503.
 */
export async function serveSearch(rt: LocalRuntime, options: ServeOptions): Promise<RunningServer> {
  const http = new UndiciHttpClient({
    allowPrivateHosts: rt.config.allowPrivateHosts,
    allowAddresses: options.imageUrlAllowAddresses ?? [],
  });
  // A photo search's segmentation runs in a worker thread: the real U2NET takes seconds, which on the main thread
  // would hold every other request. Loaded on the first photo search, freed when the server closes.
  let segmenter: Promise<OnnxSegmenter> | undefined;
  const searchSegmenter = () => {
    segmenter ??= OnnxSegmenter.create({
      model: rt.models.segment,
      threads: rt.config.model.onnxThreads,
      sessionFactory: workerOnnxSession,
    });
    segmenter.catch(() => {
      segmenter = undefined;
    });
    return segmenter;
  };
  const dispose = async () => {
    await http.close();
    await (await segmenter?.catch(() => undefined))?.dispose();
  };
  const ports = localPorts(rt, { imageUrlHttp: http, segmenter: searchSegmenter });
  const deps = await buildSearchDeps(rt.config, ports).catch(async (error) => {
    await dispose();
    throw error;
  });
  const api = createApi({
    ...deps,
    isReady: options.isReady ?? (() => true),
    webDir: rt.config.webDir ?? WEB_DIR,
  });
  let server: RunningServer;
  try {
    server = await startServer({ api, port: options.port, host: options.host });
  } catch (error) {
    await dispose();
    const e = error as NodeJS.ErrnoException;
    throw new ConfigError(
      `cannot listen on ${options.host ?? '127.0.0.1'}:${options.port} (THREADFINDER_HOST, PORT): ${e.code ?? e.message}` +
        (e.code === 'EADDRINUSE' ? '; the port is in use, set PORT to a free one' : ''),
      { cause: error },
    );
  }
  return {
    url: server.url,
    close: async () => {
      await server.close();
      await dispose();
    },
  };
}
