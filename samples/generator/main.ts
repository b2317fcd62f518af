import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateSampleCatalog } from './catalog.ts';
import { writeSampleCatalogFile } from './catalog-file.ts';
import { startSampleServer } from './image-server.ts';

// Usage: tsx samples/generator/main.ts [outDir] [--products 30] [--port 0] [--no-broken]
// Draws the sample pictures, serves them on loopback and writes <outDir>/catalog.csv pointing at the server.
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    products: { type: 'string', default: '30' },
    port: { type: 'string', default: '0' },
    'no-broken': { type: 'boolean', default: false },
  },
});
const outDir = path.resolve(positionals[0] ?? '.threadfinder/sample');
const sample = await generateSampleCatalog(outDir, {
  products: Number(values.products),
  brokenImage: !values['no-broken'],
});
const server = await startSampleServer({ dir: outDir, port: Number(values.port) });
const catalog = await writeSampleCatalogFile(sample.products, server.url, path.join(outDir, 'catalog.csv'));
console.log(
  `${sample.generated ? 'drew' : 'reused'} ${sample.products.length} products in ${sample.imagesDir}`,
);
console.log(`serving ${server.url}/images/  catalog: ${catalog}  (Ctrl-C to stop)`);
process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
