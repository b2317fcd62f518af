// What an ingestion costs outside the models, with the stand-in models: wall time, CPU time per image (all
// threads, split per thread into the models' and the rest by bench/real-size/model-clock.ts), GC pauses, and the
// bytes stored next to the originals.
// Pictures are 1000x1333 JPEGs with distinct bytes, served on loopback, like the measurement.
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { installModelClock } from '#bench/real-size/model-clock.ts';
import { ingestCatalogFile } from '#cli/run-ingest.ts';
import { loadConfig } from '#core/config.ts';
import { createLocalRuntime } from '#local/runtime.ts';
import { resolveModels } from '#models/resolve.ts';
import { drawGarment } from '#samples/generator/draw.ts';
import { startSampleServer } from '#samples/generator/image-server.ts';
import { COLORS, GARMENT_TYPES, PATTERNS, VIEWS } from '#samples/generator/palette.ts';

async function startProfile() {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return { stop: async () => ((await post('Profiler.stop')) as { profile: object }).profile };
}

/** What one measured ingestion cost. */
export interface IngestCost {
  images: number;
  seconds: number;
  /** Process CPU of the whole ingestion (all threads), ms per image. */
  cpuPerImage: number;
  /**
   * The models' CPU in place (their sessions' pool threads, and the main thread inside runs) and the rest, ms
   * per image; undefined where threads' CPU cannot be read (not Linux).
   */
  modelCpuPerImage?: number;
  outsidePerImage?: number;
  gcPerImage: number;
  originalBytes: number;
  derivedBytes: number;
  rerunSeconds: number;
  lines: string[];
}

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Draws `products` x 3 photos, ingests them once to load the models, then measures a full ingestion. */
export async function measureIngestCost(options: {
  products: number;
  keep?: string;
  profile?: string;
  env?: Record<string, string>;
}): Promise<IngestCost> {
  const { products } = options;
  const root = options.keep
    ? path.resolve(options.keep)
    : await mkdtemp(path.join(os.tmpdir(), 'tf-ingest-cost-'));
  const lines: string[] = [];
  const imagesDir = path.join(root, 'source', 'images');
  await mkdir(imagesDir, { recursive: true });

  const views = VIEWS;
  const colours = Object.keys(COLORS) as (keyof typeof COLORS)[];
  const rows = ['product_id,image_url'];
  const warmRows = ['product_id,image_url'];
  const server = await startSampleServer({ dir: path.join(root, 'source') });
  let sourceBytes = 0;
  // One extra product, ingested first on its own: model loading and module compilation are paid once per process,
  // not per image, so the measured run is the steady state.
  for (let p = 0; p <= products; p++) {
    for (const [v, view] of views.entries()) {
      const jpeg = await drawGarment({
        type: GARMENT_TYPES[p % GARMENT_TYPES.length] as (typeof GARMENT_TYPES)[number],
        color: colours[(p * 7) % colours.length] as keyof typeof COLORS,
        pattern: PATTERNS[p % PATTERNS.length] as (typeof PATTERNS)[number],
        view,
        seed: p * 3 + v + 1,
        width: 1000,
        height: 1333,
      });
      const name = `p${p}-${v}.jpg`;
      await writeFile(path.join(imagesDir, name), jpeg);
      if (p === products) {
        warmRows.push(`warm,${server.url}/images/${name}`);
        continue;
      }
      sourceBytes += jpeg.length;
      rows.push(`p${p},${server.url}/images/${name}`);
    }
  }
  const catalog = path.join(root, 'catalog.csv');
  await writeFile(catalog, `${rows.join('\n')}\n`);
  const warmCatalog = path.join(root, 'warm.csv');
  await writeFile(warmCatalog, `${warmRows.join('\n')}\n`);

  const dataDir = path.join(root, 'data');
  const config = loadConfig({
    ...process.env,
    ...options.env,
    THREADFINDER_MODELS: 'test',
    THREADFINDER_DATA_DIR: dataDir,
    THREADFINDER_ALLOW_PRIVATE_HOSTS: '1',
  });
  // Before any session loads: times each native run in place and learns each session's pool threads.
  const clock = installModelClock();
  const rt = await createLocalRuntime(config, await resolveModels(config));
  const quiet = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
  const warmStart = performance.now();
  await ingestCatalogFile(rt, { file: warmCatalog, log: () => {}, progressStream: quiet });
  const warmSeconds = (performance.now() - warmStart) / 1000;
  const profiler = options.profile ? await startProfile() : undefined;
  const gc = { pauses: 0, ms: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.pauses++;
      gc.ms += entry.duration;
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  clock.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await ingestCatalogFile(rt, { file: catalog, log: () => {}, progressStream: quiet });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const inPlace = clock.stop().cpu;
  gcObserver.disconnect();
  if (profiler && options.profile) await writeFile(options.profile, JSON.stringify(await profiler.stop()));
  const rerunStart = performance.now();
  await ingestCatalogFile(rt, { file: catalog, log: () => {}, progressStream: quiet });
  const rerunSeconds = (performance.now() - rerunStart) / 1000;
  await rt.close();
  await server.close();

  const images = products * views.length;
  const originals = await bytesUnder(path.join(dataDir, 'blobs', 'originals'));
  const masked = await bytesUnder(path.join(dataDir, 'blobs', 'masked'));
  const vectors = await bytesUnder(path.join(dataDir, 'blobs', 'embeddings'));
  const derived = masked + vectors;
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  lines.push(
    `ingest of ${products} products / ${images} images (1000x1333 JPEG, ${mb(sourceBytes)}), stand-in models:`,
  );
  lines.push(
    `  first ingest of one product (loads the models): ${warmSeconds.toFixed(1)} s, not counted below`,
  );
  lines.push(
    `  wall ${seconds.toFixed(1)} s (${(images / seconds).toFixed(1)} images/s); CPU user ${(cpu.user / 1e6).toFixed(1)} s + system ${(cpu.system / 1e6).toFixed(1)} s = ${((cpu.user + cpu.system) / 1e3 / images).toFixed(0)} ms per image`,
  );
  const cpuMs = (cpu.user + cpu.system) / 1e3;
  if (inPlace.models !== null && inPlace.outside !== null) {
    const other = inPlace.outside - (inPlace.mainOutside ?? 0) - (inPlace.libvips ?? 0);
    lines.push(
      `  models (their pool threads, and the main thread inside runs): CPU ${(inPlace.models / images).toFixed(0)} ms per image; ` +
        `outside the models: CPU ${(inPlace.outside / images).toFixed(0)} ms per image (main thread between runs ${((inPlace.mainOutside ?? 0) / images).toFixed(0)}, ` +
        `libvips ${((inPlace.libvips ?? 0) / images).toFixed(0)}, other threads ${(other / images).toFixed(0)})`,
    );
  } else {
    lines.push(
      '  models and the rest not split: no per-thread CPU here (Linux /proc/self/task/<tid>/schedstat)',
    );
  }
  lines.push(`  garbage collection: ${gc.pauses} pauses, ${(gc.ms / images).toFixed(1)} ms per image`);
  lines.push(`  stored: ${report.summary.productsStored} products, ${report.summary.images.ok} images ok`);
  lines.push(
    `  bytes: originals ${mb(originals)}; derived ${mb(derived)} = masks ${mb(masked)} + cached vectors ${mb(vectors)}: ` +
      `${(derived / originals).toFixed(2)}x the originals`,
  );
  lines.push(`  re-run, nothing changed: ${rerunSeconds.toFixed(1)} s`);
  if (!options.keep) await rm(root, { recursive: true, force: true });
  return {
    images,
    seconds,
    cpuPerImage: cpuMs / images,
    ...(inPlace.models !== null &&
      inPlace.outside !== null && {
        modelCpuPerImage: inPlace.models / images,
        outsidePerImage: inPlace.outside / images,
      }),
    gcPerImage: gc.ms / images,
    originalBytes: originals,
    derivedBytes: derived,
    rerunSeconds,
    lines,
  };
}
