import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSampleCatalog } from '#samples/generator/catalog.ts';
import { writeSampleCatalogFile } from '#samples/generator/catalog-file.ts';
import { type SampleServer, startSampleServer } from '#samples/generator/image-server.ts';

/** The bundled sample catalog, drawn on first use and served on loopback while the process runs. */
export interface SampleSource {
  catalogFile: string;
  server: SampleServer;
  /** The loopback address the downloader must be allowed to reach. */
  address: string;
}

/** Where the sample server listens: the one address the downloader is allowed to reach for it. */
export const SAMPLE_HOST = '127.0.0.1';

/** The folder of the sample catalog under a data folder. */
export const sampleDir = (dataDir: string) => path.join(dataDir, 'sample');

/** True when an earlier run drew the sample catalog here (so `serve` should serve its pictures again). */
export function hasSample(dataDir: string): boolean {
  return existsSync(path.join(sampleDir(dataDir), 'catalog.csv'));
}

/**
 * Draws (or reuses) the sample pictures under `<dataDir>/sample`, serves them and writes the catalog CSV.
 * The server reuses the port of the previous run, so image URLs stored by an earlier ingestion keep working.
 */
export async function startSampleSource(dataDir: string): Promise<SampleSource> {
  const dir = sampleDir(dataDir);
  const sample = await generateSampleCatalog(dir);
  const server = await startOnSavedPort(dir);
  const catalogFile = await writeSampleCatalogFile(
    sample.products,
    server.url,
    path.join(dir, 'catalog.csv'),
  );
  return { catalogFile, server, address: SAMPLE_HOST };
}

/**
 * Serves the pictures of an earlier sample run on the port its stored image URLs name, writing nothing.
 * Returns undefined (the caller warns) when that port is taken.
 */
export async function serveSavedSample(dataDir: string): Promise<SampleServer | undefined> {
  const dir = sampleDir(dataDir);
  const saved = Number((await readFile(path.join(dir, 'port'), 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(saved) || saved <= 0 || saved >= 65536) return undefined;
  return startSampleServer({ dir, host: SAMPLE_HOST, port: saved }).catch(() => undefined);
}

async function startOnSavedPort(dir: string): Promise<SampleServer> {
  const portFile = path.join(dir, 'port');
  const saved = Number((await readFile(portFile, 'utf8').catch(() => '')).trim());
  let server: SampleServer | undefined;
  if (Number.isInteger(saved) && saved > 0 && saved < 65536) {
    server = await startSampleServer({ dir, host: SAMPLE_HOST, port: saved }).catch(() => undefined);
  }
  server ??= await startSampleServer({ dir, host: SAMPLE_HOST });
  await writeFile(portFile, `${new URL(server.url).port}\n`);
  return server;
}
