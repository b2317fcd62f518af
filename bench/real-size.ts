// npx tsx bench/real-size.ts [--images 12] [--sizes 768,512,384,320] [--dtypes fp32,int8] [--replay]
//                            [--graphs DIR] [--keep DIR]
// The whole local ingestion (download, decode, segment, embed, aggregate, store) with graphs of the real models'
// cost: random-weight U²-Net (u2net_cloth_seg) and Marqo-FashionCLIP's ViT-B/16 and CLIP text towers, under the
// real exports' tensor names and file layout (bench/real-size/). Per image: wall time, model time (every ONNX run
// timed where it happens, bench/real-size/model-clock.ts), and what the pipeline adds above it, at each
// segmentation size (fp32) and each embedding precision (at 768). docs/real-size-benchmark.md has the design and
// the numbers. Machines vary by day: compare ratios measured in one run only.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ingestCatalogFile } from '#cli/run-ingest.ts';
import { EMBED_DTYPES, type EmbedDtype, loadConfig, SEGMENT_SIZES } from '#core/config.ts';
import { forgetTagVocabularyCache } from '#functions/embed/vocabulary-cache.ts';
import { createLocalRuntime } from '#local/runtime.ts';
import { marqoFashionClip } from '#models/entries/embed-models.ts';
import { u2netClothSeg } from '#models/entries/segment-models.ts';
import { embedModel, type ResolvedModels, segmentModel } from '#models/resolve.ts';
import { drawGarment } from '#samples/generator/draw.ts';
import { startSampleServer } from '#samples/generator/image-server.ts';
import { COLORS, GARMENT_TYPES, PATTERNS, VIEWS } from '#samples/generator/palette.ts';
import { DEFAULT_GRAPHS_DIR, ensureRealSizeGraphs, type RealSizeModels } from './real-size/graphs.ts';
import {
  type CpuSplit,
  type GraphTime,
  installModelClock,
  type ModelClock,
} from './real-size/model-clock.ts';

/** One configuration: the segmentation side and the embedding graphs' precision. */
export interface RealSizeConfig {
  size: number;
  dtype: EmbedDtype;
}

/** What one configuration's measured ingestion cost, in total over its images. */
export interface RealSizeResult extends RealSizeConfig {
  images: number;
  imagesOk: number;
  wallMs: number;
  /** CPU over the ingestion (ms): in total, the models' and the rest (bench/real-size/model-clock.ts). */
  cpu: CpuSplit;
  /** Every ONNX run of the ingestion, by graph (segment, vision, text). */
  models: Record<string, GraphTime>;
  /** Median ms of one run of each graph replayed alone afterwards (--replay), by graph. */
  replayMs?: Record<string, number>;
}

const quiet = () => Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
const modelWall = (times: Record<string, GraphTime>) =>
  Object.values(times).reduce((total, t) => total + t.wallMs, 0);

/** The drawn catalog: 1000x1333 JPEGs with distinct bytes on loopback, one warm-up image and `images` others. */
async function drawCatalog(root: string, images: number) {
  const imagesDir = path.join(root, 'source', 'images');
  await mkdir(imagesDir, { recursive: true });
  const colours = Object.keys(COLORS) as (keyof typeof COLORS)[];
  const server = await startSampleServer({ dir: path.join(root, 'source') });
  const rows = (from: number, count: number) => {
    const lines = ['product_id,image_url'];
    for (let i = from; i < from + count; i++)
      lines.push(`p${Math.floor(i / 3)},${server.url}/images/i${i}.jpg`);
    return `${lines.join('\n')}\n`;
  };
  // Image 0 is the warm-up product's (p0); the measured products start at image 3 (p1 ...), 3 views each.
  const indices = [0, ...Array.from({ length: images }, (_, i) => i + 3)];
  for (const i of indices) {
    const p = Math.floor(i / 3);
    const jpeg = await drawGarment({
      type: GARMENT_TYPES[p % GARMENT_TYPES.length] as (typeof GARMENT_TYPES)[number],
      color: colours[(p * 7) % colours.length] as keyof typeof COLORS,
      pattern: PATTERNS[p % PATTERNS.length] as (typeof PATTERNS)[number],
      view: VIEWS[i % VIEWS.length] as (typeof VIEWS)[number],
      seed: i + 1,
      width: 1000,
      height: 1333,
    });
    await writeFile(path.join(imagesDir, `i${i}.jpg`), jpeg);
  }
  const warmup = path.join(root, 'warmup.csv');
  const measured = path.join(root, 'catalog.csv');
  await writeFile(warmup, rows(0, 1));
  await writeFile(measured, rows(3, images));
  return { server, warmup, measured };
}

/**
 * The models of one configuration, built directly from the registry entries (the random graphs cannot pass the
 * registry's hash checks, so resolveModels is not used). The text side pads to 77 tokens: the random text graph,
 * like arch-models', has a fixed sequence length.
 */
function modelsFor(graphs: RealSizeModels, config: RealSizeConfig): ResolvedModels {
  const embed = embedModel(marqoFashionClip, graphs.embedDir, config.dtype);
  return {
    mode: 'real',
    embed: { ...embed, textPadding: 'max_length' },
    segment: segmentModel(u2netClothSeg, graphs.segmentDir, u2netClothSeg.garmentClasses, config.size),
  };
}

/**
 * Ingests the warm-up product, then the measured catalog, into a fresh data dir with one configuration; returns
 * the measured ingestion's wall time, CPU and model time. The warm-up loads the sessions and embeds the tag
 * vocabulary (once per model, cached), so the measured run is the steady state of an ingestion.
 */
async function runConfig(
  clock: ModelClock,
  graphs: RealSizeModels,
  catalog: Awaited<ReturnType<typeof drawCatalog>>,
  root: string,
  config: RealSizeConfig,
  images: number,
  replay: boolean,
): Promise<RealSizeResult> {
  const dataDir = path.join(root, `data-${config.size}-${config.dtype}`);
  const settings = loadConfig({
    ...process.env,
    THREADFINDER_MODELS: 'real',
    THREADFINDER_DATA_DIR: dataDir,
    THREADFINDER_ALLOW_PRIVATE_HOSTS: '1',
    THREADFINDER_EMBED_MODEL: marqoFashionClip.id,
    THREADFINDER_SEGMENT_MODEL: u2netClothSeg.id,
    THREADFINDER_SEGMENT_SIZE: String(config.size),
    THREADFINDER_EMBED_DTYPE: config.dtype,
  });
  forgetTagVocabularyCache();
  const rt = await createLocalRuntime(settings, modelsFor(graphs, config));
  try {
    const ingest = (file: string) => ingestCatalogFile(rt, { file, log: () => {}, progressStream: quiet() });
    await ingest(catalog.warmup);
    clock.start();
    const t0 = performance.now();
    const report = await ingest(catalog.measured);
    const wallMs = performance.now() - t0;
    const { byGraph, recorded, cpu } = clock.stop();
    if (Object.keys(byGraph).length === 0) {
      throw new Error(
        'the model clock saw no ONNX run: model time cannot be measured (was it installed first?)',
      );
    }
    const result: RealSizeResult = {
      ...config,
      images,
      imagesOk: report.summary.images.ok,
      wallMs,
      cpu,
      models: byGraph,
    };
    if (replay) {
      result.replayMs = Object.fromEntries(recorded.map((run) => [run.graph, clock.replay(run)]));
    }
    return result;
  } finally {
    await rt.close();
  }
}

/** Options of a real-size run. */
export interface RealSizeOptions {
  images?: number;
  configs?: RealSizeConfig[];
  /** Where the generated graphs are cached (default: DEFAULT_GRAPHS_DIR under the OS temp dir). */
  graphsDir?: string;
  /** Keep the drawn catalog and data dirs here instead of a temporary folder. */
  keep?: string;
  /** Also replay one input of each graph alone after each configuration (adds ~one run of each). */
  replay?: boolean;
  log?: (line: string) => void;
}

/** Runs the configurations one after another in this process; returns their measurements. */
export async function runRealSize(options: RealSizeOptions = {}): Promise<RealSizeResult[]> {
  const clock = installModelClock(); // before any session exists, so every run is timed
  const images = options.images ?? 12;
  const configs = options.configs ?? defaultConfigs();
  const log = options.log ?? (() => {});
  const dtypes = [...new Set(configs.map((c) => c.dtype))];
  const graphs = await ensureRealSizeGraphs(dtypes, options.graphsDir ?? DEFAULT_GRAPHS_DIR, log);
  const root = options.keep
    ? path.resolve(options.keep)
    : await mkdtemp(path.join(os.tmpdir(), 'tf-real-size-'));
  const catalog = await drawCatalog(root, images);
  const results: RealSizeResult[] = [];
  try {
    for (const config of configs) {
      const result = await runConfig(clock, graphs, catalog, root, config, images, options.replay ?? false);
      log(formatRow(result));
      results.push(result);
    }
  } finally {
    await catalog.server.close();
    if (!options.keep) await rm(root, { recursive: true, force: true });
  }
  return results;
}

/** Each segmentation size at fp32, then each other precision at 768. */
export function defaultConfigs(
  sizes: readonly number[] = SEGMENT_SIZES,
  dtypes: readonly EmbedDtype[] = ['fp32', 'int8'],
): RealSizeConfig[] {
  const bySize = sizes.map((size) => ({ size, dtype: 'fp32' as const }));
  const byDtype = dtypes.filter((d) => d !== 'fp32').map((dtype) => ({ size: 768, dtype }));
  const fp32 = dtypes.includes('fp32') ? bySize : [];
  return [...fp32, ...byDtype];
}

const ms = (x: number | null, width = 6) => (x === null ? 'n/a' : `${Math.round(x)}`).padStart(width);

/** Per-image figures of one result (ms). */
export function perImage(r: RealSizeResult) {
  const model = modelWall(r.models);
  const per = (x: number | null) => (x === null ? null : x / r.images);
  const graph = (name: string) => (r.models[name]?.wallMs ?? 0) / r.images;
  return {
    wall: r.wallMs / r.images,
    model: model / r.images,
    segment: graph('segment'),
    vision: graph('vision'),
    text: graph('text'),
    overhead: (r.wallMs - model) / r.images,
    ratio: (r.wallMs - model) / model,
    cpuTotal: r.cpu.total / r.images,
    cpuModels: per(r.cpu.models),
    cpuOutside: per(r.cpu.outside),
    cpuMainOutside: per(r.cpu.mainOutside),
    cpuLibvips: per(r.cpu.libvips),
  };
}

export const TABLE_HEADER = [
  '                    |            model time (wall)          | pipeline above the models |  CPU, all threads',
  'config     images   | wall  = total: segment + vision + text | overhead  overhead/model  |  total  models  outside (main thread between runs, libvips, other)',
].join('\n');

/** One row of the table (ms per image). */
export function formatRow(r: RealSizeResult): string {
  const p = perImage(r);
  const name = `${r.size} ${r.dtype}`.padEnd(10);
  const ok = `${r.imagesOk}/${r.images}`.padStart(6);
  const model = `${ms(p.wall)} = ${ms(p.model, 5)}: ${ms(p.segment, 5)} + ${ms(p.vision, 4)} + ${ms(p.text, 3)}`;
  const other =
    p.cpuOutside === null || p.cpuMainOutside === null || p.cpuLibvips === null
      ? null
      : p.cpuOutside - p.cpuMainOutside - p.cpuLibvips;
  const outside = `${ms(p.cpuOutside, 5)} (${ms(p.cpuMainOutside, 0)}, ${ms(p.cpuLibvips, 0)}, ${ms(other, 0)})`;
  const ratio = `${(100 * p.ratio).toFixed(1)}%`.padStart(8);
  const replay = r.replayMs
    ? `   alone: ${Object.entries(r.replayMs)
        .map(([g, t]) => `${g} ${Math.round(t)} ms/run`)
        .join(', ')}`
    : '';
  return `${name} ${ok}   | ${model}  | ${ms(p.overhead, 6)}  ${ratio}        | ${ms(p.cpuTotal)}  ${ms(p.cpuModels)}  ${outside}${replay}`;
}

/**
 * One line for `npm run bench`: pipeline overhead / model time of the real-size ingestion at 768 fp32, with a
 * few images (default 3; the U²-Net alone costs ~2.4 s per image on 2 cores). The graphs are generated on the
 * first call (~1 GB under the OS temp dir, about a minute) and reused afterwards.
 */
export async function realSizeOverheadLine(
  options: { images?: number; graphsDir?: string } = {},
): Promise<string> {
  const images = options.images ?? 3;
  const [r] = await runRealSize({
    images,
    configs: [{ size: 768, dtype: 'fp32' }],
    graphsDir: options.graphsDir,
  });
  if (!r) throw new Error('real-size bench returned nothing');
  const p = perImage(r);
  // Wall time is stretched by whatever else runs on the machine; CPU time much less so, hence both.
  const cpu =
    p.cpuOutside === null || p.cpuModels === null
      ? ''
      : `; CPU outside / in the models ${(100 * (p.cpuOutside / p.cpuModels)).toFixed(1)}% (${Math.round(p.cpuOutside)} / ${Math.round(p.cpuModels)} ms/image)`;
  return (
    `real-size ingest (random-weight U2NET 768 + ViT-B/16, fp32, ${r.imagesOk}/${images} images): ` +
    `pipeline overhead / model time ${(100 * p.ratio).toFixed(1)}% ` +
    `(wall ${Math.round(p.wall)} ms/image, models ${Math.round(p.model)} ms/image)${cpu}`
  );
}

async function main() {
  const { values } = parseArgs({
    options: {
      images: { type: 'string', default: '12' },
      sizes: { type: 'string', default: SEGMENT_SIZES.join(',') },
      dtypes: { type: 'string', default: 'fp32,int8' },
      graphs: { type: 'string', default: DEFAULT_GRAPHS_DIR },
      keep: { type: 'string' },
      replay: { type: 'boolean', default: false },
    },
  });
  const images = Number(values.images);
  const sizes = values.sizes.split(',').map(Number);
  const dtypes = values.dtypes.split(',') as EmbedDtype[];
  const badSize = sizes.find((s) => !(SEGMENT_SIZES as readonly number[]).includes(s));
  const badDtype = dtypes.find((d) => !EMBED_DTYPES.includes(d));
  if (!Number.isInteger(images) || images < 1)
    throw new Error(`--images: a positive integer, got ${values.images}`);
  if (badSize !== undefined) throw new Error(`--sizes: ${badSize} is not one of ${SEGMENT_SIZES.join(', ')}`);
  if (badDtype !== undefined)
    throw new Error(`--dtypes: ${badDtype} is not one of ${EMBED_DTYPES.join(', ')}`);
  const threads = process.env.THREADFINDER_ONNX_THREADS ?? String(os.availableParallelism());
  console.log(
    `real-size ingest on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ` +
      `${threads} ONNX threads; ${images} images (1000x1333 JPEG, loopback) per configuration after a 1-image warm-up`,
  );
  console.log(
    'models: random-weight U2NET cloth (4 classes) at the segmentation size, Marqo-FashionCLIP towers ' +
      '(ViT-B/16 vision, CLIP text at 77 tokens) at the precision; ms per image:',
  );
  const started = performance.now();
  let header = false;
  const results = await runRealSize({
    images,
    configs: defaultConfigs(sizes, dtypes),
    graphsDir: values.graphs,
    keep: values.keep,
    replay: values.replay,
    log: (line) => {
      const row = /^\d{3} /.test(line);
      if (row && !header) {
        console.log(TABLE_HEADER);
        header = true;
      }
      console.log(line);
    },
  });
  const failed = results.filter((r) => r.imagesOk !== r.images);
  if (failed.length > 0)
    console.log(
      `WARNING: not every image was embedded in: ${failed.map((r) => `${r.size} ${r.dtype}`).join(', ')}`,
    );
  console.log(
    `peak RSS ${(process.resourceUsage().maxRSS / 1024 ** 2).toFixed(2)} GB; total ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
