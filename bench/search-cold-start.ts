// Search cold start, locally: process start -> first answer of /api/search, with a text graph of real size in
// place of the SigLIP stand-in's (e.g. the 441 MB graph built by ../shared/tools/arch-models; see docs/costs.md).
//   npx tsx bench/search-cold-start.ts <text_model.onnx> [threads]
// What a Lambda's init adds on top (the Secrets Manager read, the Atlas connection) is not measured here.
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const atStart = performance.now(); // ms since the process started (performance.timeOrigin)
const [graph, threads = '2'] = process.argv.slice(2);
if (!graph) throw new Error('usage: tsx bench/search-cold-start.ts <text_model.onnx> [threads]');
const dir = await mkdtemp(path.join(tmpdir(), 'tf-cold-'));
const { loadConfig } = await import('#core/config.ts');
const { resolveModels } = await import('#models/resolve.ts');
const { createLocalRuntime } = await import('#local/runtime.ts');
const { serveSearch } = await import('#local/serve-search.ts');
const imported = performance.now();

const config = loadConfig({
  THREADFINDER_MODELS: 'test',
  THREADFINDER_EMBED_MODEL: 'test-siglip',
  THREADFINDER_DATA_DIR: dir,
  THREADFINDER_ONNX_THREADS: threads,
});
const models = await resolveModels(config, { need: 'search' });
const big = path.join(dir, 'siglip-real-size');
await cp(models.embed.dir, big, { recursive: true });
await rm(path.join(big, 'onnx', 'text_model.onnx'));
await symlink(path.resolve(graph), path.join(big, 'onnx', 'text_model.onnx'));
// One stored product, so a query runs the text tower and the store's search (an empty store answers at once).
{
  const seed = await createLocalRuntime(config, models, { readOnly: false });
  await seed.store.bind({ model: models.embed.id, dim: models.embed.dim });
  const vector = new Float32Array(models.embed.dim).fill(1 / Math.sqrt(models.embed.dim));
  await seed.store.upsert([
    { id: 'p1', vector, images: ['https://x.example/1.jpg'], metadata: {}, imagesUsed: 1 },
  ]);
  await seed.close();
}
const setUp = performance.now();

const started = performance.now();
const rt = await createLocalRuntime(
  config,
  { ...models, embed: { ...models.embed, dir: big } },
  { readOnly: false },
);
const server = await serveSearch(rt, { port: 0, host: '127.0.0.1', isReady: () => true });
const loaded = performance.now();
const answer = await fetch(`${server.url}/api/search?q=red%20striped%20shirt`);
const body = (await answer.json()) as { best?: unknown };
const firstAnswer = performance.now();
const again = performance.now();
await (await fetch(`${server.url}/api/search?q=blue%20denim%20jacket`)).arrayBuffer();
const warm = performance.now() - again;
await server.close();
await rt.close();
await rm(dir, { recursive: true, force: true });

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const loadMs = loaded - started;
console.log(
  `text graph: ${graph}, ${threads} ONNX threads, status ${answer.status}, best hit ${body.best ? 'present' : 'absent'}`,
);
console.log(
  `node start to script: ${s(atStart)}; imports: ${s(imported - atStart)}; stand-in set-up (not in a Lambda): ${s(setUp - imported)}`,
);
console.log(
  `runtime + text graph loaded + server listening: ${s(loadMs)}; first query: ${s(firstAnswer - loaded)}; warm query: ${s(warm)}`,
);
console.log(
  `process start to first answer, without the stand-in set-up: ${s(firstAnswer - (setUp - imported))}`,
);
