import path from 'node:path';
import { generateSampleCatalog } from './sample/catalog.ts';
import { writeSampleCatalogFile } from './sample/catalog-file.ts';
import { type SampleServer, startSampleServer } from './sample/server.ts';

/** The bundled sample catalog, drawn on first use and served on loopback while the process runs. */
export interface SampleSource {
  catalogFile: string;
  server: SampleServer;
  /** The loopback address the downloader must be allowed to reach. */
  address: string;
}

/** Draws (or reuses) the sample pictures under `<dataDir>/sample`, serves them and writes the catalog CSV. */
export async function startSampleSource(dataDir: string): Promise<SampleSource> {
  const dir = path.join(dataDir, 'sample');
  const sample = await generateSampleCatalog(dir);
  const server = await startSampleServer({ dir, host: '127.0.0.1' });
  const catalogFile = await writeSampleCatalogFile(
    sample.products,
    server.url,
    path.join(dir, 'catalog.csv'),
  );
  return { catalogFile, server, address: '127.0.0.1' };
}
