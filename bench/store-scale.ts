// The embedded store at catalog scale, and against an approximate index:
//   npx tsx bench/store-scale.ts [--n 1000000] [--dims 768] [--queries 200] [--no-ann]
// For 50,000 products and for --n (both in one run when --n is larger), on clustered synthetic unit vectors (mulberry32, a few
// thousand Gaussian clusters, each with a dominant category): how long writing them through the store's own
// log takes, how long opening that log takes and what the open store holds in memory, exact search latency
// with and without filters (checked against a brute force over the same vectors), and usearch HNSW at f16 and
// i8 (build time, memory, latency and recall@10 against the exact answer).
// Each phase runs in a child process of its own, so a measurement's memory is its own.
import { fork } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import type { SearchFilter } from '#core/ports/vector-store.ts';
import { Random } from '#core/random.ts';
import type { ProductRecord } from '#core/types.ts';

const SEED = 20_250_601;
const CLUSTERS = 2000;
const CATEGORIES = ['tops', 'bottoms', 'dresses', 'outerwear', 'knitwear', 'shoes', 'bags', 'accessories'];
const COLOURS = ['black', 'white', 'grey', 'navy', 'blue', 'red', 'green', 'beige', 'brown', 'pink'];
const K = 10;
const BATCH = 1000;
const MB = 2 ** 20;

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    dims: { type: 'string', default: '768' },
    queries: { type: 'string', default: '200' },
    'no-ann': { type: 'boolean', default: false },
    phase: { type: 'string' },
    dir: { type: 'string' },
    quantization: { type: 'string' },
  },
});
const N = Number(values.n);
const DIMS = Number(values.dims);
const QUERIES = Number(values.queries);

// ---- synthetic catalog ---------------------------------------------------------------------------------------

/** Box-Muller on the repo's mulberry32, both outputs used: `out` filled with standard normal values. */
function fillGaussians(random: Random, out: Float64Array): void {
  for (let i = 0; i < out.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - random.next()));
    const angle = 2 * Math.PI * random.next();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < out.length) out[i + 1] = radius * Math.sin(angle);
  }
}

interface Cluster {
  centre: Float64Array;
  /** Noise scale: a point's cosine to its centre is about 1/sqrt(1 + spread²) (0.86 to 0.71). */
  spread: number;
  category: string;
}

/** Points = centre + spread x Gaussian noise, normalised; 80% of a cluster's products carry its category. */
class Catalog {
  private readonly random = new Random(SEED);
  private readonly noise: Float64Array;
  readonly clusters: Cluster[];

  constructor(readonly dims: number) {
    this.noise = new Float64Array(dims);
    this.clusters = Array.from({ length: CLUSTERS }, () => {
      const centre = new Float64Array(dims);
      fillGaussians(this.random, centre);
      return {
        centre,
        spread: this.random.range(0.6, 1.0),
        category: this.random.pick(CATEGORIES),
      };
    });
  }

  /** A unit vector near `cluster`'s centre, written into `out`. */
  near(cluster: Cluster, out: Float32Array): void {
    fillGaussians(this.random, this.noise);
    let sum = 0;
    for (let i = 0; i < this.dims; i++) {
      const x = (cluster.centre[i] as number) + cluster.spread * (this.noise[i] as number);
      this.noise[i] = x;
      sum += x * x;
    }
    const scale = 1 / Math.sqrt(sum);
    for (let i = 0; i < this.dims; i++) out[i] = (this.noise[i] as number) * scale;
  }

  product(i: number, vector: Float32Array): ProductRecord {
    const cluster = this.random.pick(this.clusters);
    this.near(cluster, vector);
    const category = this.random.next() < 0.8 ? cluster.category : this.random.pick(CATEGORIES);
    return {
      id: `p${i}`,
      vector,
      images: [`https://cdn.example.com/${i}/1.jpg`, `https://cdn.example.com/${i}/2.jpg`],
      metadata: { category, color: this.random.pick(COLOURS), price: this.random.int(5, 300) },
      imagesUsed: 2,
    };
  }

  /** A query near a cluster (fresh noise, not a stored product), and that cluster's category. */
  query(): { vector: Float32Array; category: string } {
    const cluster = this.random.pick(this.clusters);
    const vector = new Float32Array(this.dims);
    this.near(cluster, vector);
    return { vector, category: cluster.category };
  }
}

// ---- phases (each in its own process) --------------------------------------------------------------------------

interface WriteResult {
  upsertS: number;
  generateS: number;
  logBytes: number;
}

/** Writes `n` products through FileVectorStore.upsert (1000 a call, each an fsynced append), plus the raw vectors. */
async function writePhase(dir: string, n: number): Promise<WriteResult> {
  const catalog = new Catalog(DIMS);
  const store = await FileVectorStore.open(path.join(dir, 'store'));
  await store.bind({ model: 'bench', dim: DIMS });
  const raw = createWriteStream(path.join(dir, 'vectors.f32'));
  const facets = { category: new Uint8Array(n), color: new Uint8Array(n), price: new Uint16Array(n) };
  let upsertMs = 0;
  let generateMs = 0;
  for (let from = 0; from < n; from += BATCH) {
    let t = performance.now();
    const count = Math.min(BATCH, n - from);
    const matrix = new Float32Array(count * DIMS);
    const records = Array.from({ length: count }, (_, j) =>
      catalog.product(from + j, matrix.subarray(j * DIMS, (j + 1) * DIMS)),
    );
    for (const [j, { metadata }] of records.entries()) {
      facets.category[from + j] = CATEGORIES.indexOf(metadata.category as string);
      facets.color[from + j] = COLOURS.indexOf(metadata.color as string);
      facets.price[from + j] = metadata.price as number;
    }
    generateMs += performance.now() - t;
    t = performance.now();
    await store.upsert(records);
    upsertMs += performance.now() - t;
    if (!raw.write(Buffer.from(matrix.buffer)))
      await new Promise<void>((done) => raw.once('drain', () => done()));
  }
  await new Promise<void>((done) => raw.end(() => done()));
  const t = performance.now();
  await store.close();
  upsertMs += performance.now() - t;
  const queries = Array.from({ length: QUERIES + 5 }, () => catalog.query());
  const packed = new Float32Array(queries.length * DIMS);
  for (const [i, q] of queries.entries()) packed.set(q.vector, i * DIMS);
  await writeFile(path.join(dir, 'queries.f32'), packed);
  await writeFile(path.join(dir, 'queries.json'), JSON.stringify(queries.map((q) => q.category)));
  await writeFile(
    path.join(dir, 'facets.bin'),
    Buffer.concat([facets.category, facets.color, Buffer.from(facets.price.buffer)]),
  );
  const { size } = await stat(path.join(dir, 'store', 'vectors.log'));
  return { upsertS: upsertMs / 1000, generateS: generateMs / 1000, logBytes: size };
}

interface Latency {
  median: number;
  p95: number;
}

interface StoreResult {
  openS: number;
  memory: { rss: number; heapUsed: number; external: number };
  search: Record<string, Latency & { kept: number }>;
  bruteForce: { queries: number; equal: number; ms: number };
}

async function readQueries(dir: string): Promise<{ vectors: Float32Array[]; categories: string[] }> {
  const packed = new Float32Array((await readFile(path.join(dir, 'queries.f32'))).buffer.slice(0));
  const categories = JSON.parse(await readFile(path.join(dir, 'queries.json'), 'utf8')) as string[];
  const vectors = categories.map((_, i) => packed.subarray(i * DIMS, (i + 1) * DIMS));
  return { vectors, categories };
}

/** Opens the store written by writePhase, measures it, and writes the exact top-10 of every query (truth.json). */
async function storePhase(dir: string, n: number): Promise<StoreResult> {
  await settle();
  const before = process.memoryUsage();
  let t = performance.now();
  const store = await FileVectorStore.open(path.join(dir, 'store'));
  const openS = (performance.now() - t) / 1000;
  await settle();
  const after = process.memoryUsage();
  if ((await store.count()) !== n)
    throw new Error(`the store holds ${await store.count()} products, not ${n}`);
  const { vectors, categories } = await readQueries(dir);
  const other = (category: string) =>
    CATEGORIES[(CATEGORIES.indexOf(category) + 3) % CATEGORIES.length] as string;
  const cases: [string, (q: number) => SearchFilter | undefined][] = [
    ['no filter', () => undefined],
    ['price <= 150 (wide)', () => ({ priceMax: 150 })],
    ["the query cluster's category + price <= 100", (q) => ({ category: categories[q], priceMax: 100 })],
    ['another category + price <= 100', (q) => ({ category: other(categories[q] as string), priceMax: 100 })],
    [
      'category + colour + price 50-60 (narrow)',
      (q) => ({ category: categories[q], color: 'red', priceMin: 50, priceMax: 60 }),
    ],
  ];
  const truth: number[][] = [];
  const keptBy = await keptCounter(dir, n);
  const times = cases.map(() => [] as number[]);
  const kept = cases.map(() => 0);
  // Every case for one query before the next query, so that a busy spell on the machine touches them alike.
  for (let q = 0; q < vectors.length; q++) {
    for (const [c, [, filterOf]] of cases.entries()) {
      const filter = filterOf(q);
      t = performance.now();
      const hits = await store.search(vectors[q] as Float32Array, { k: K, ...(filter && { filter }) });
      if (q < 5) continue; // the first five warm up
      (times[c] as number[]).push(performance.now() - t);
      kept[c] = (kept[c] as number) + keptBy(filter);
      if (!filter) truth.push(hits.map((h) => Number(h.record.id.slice(1))));
    }
  }
  const search: StoreResult['search'] = Object.fromEntries(
    cases.map(([name], c) => [
      name,
      { ...latency(times[c] as number[]), kept: Math.round((kept[c] as number) / (vectors.length - 5)) },
    ]),
  );
  await writeFile(path.join(dir, 'truth.json'), JSON.stringify(truth));
  // The exact answers against a brute force over the raw vectors (float64 dot products, ties by id).
  const bruteForce = await checkAgainstBruteForce(dir, n, vectors.slice(5, 15), truth.slice(0, 10));
  await store.close();
  return {
    openS,
    memory: {
      rss: after.rss - before.rss,
      heapUsed: after.heapUsed - before.heapUsed,
      external: after.external - before.external,
    },
    search,
    bruteForce,
  };
}

/** How many products a filter keeps, from the metadata the write phase wrote beside the store. */
async function keptCounter(dir: string, n: number): Promise<(filter?: SearchFilter) => number> {
  const bytes = await readFile(path.join(dir, 'facets.bin'));
  const category = bytes.subarray(0, n);
  const color = bytes.subarray(n, 2 * n);
  const price = new Uint16Array(bytes.buffer.slice(bytes.byteOffset + 2 * n, bytes.byteOffset + 4 * n));
  return (filter) => {
    const wantCategory = filter?.category === undefined ? -1 : CATEGORIES.indexOf(filter.category);
    const wantColor = filter?.color === undefined ? -1 : COLOURS.indexOf(filter.color);
    const min = filter?.priceMin ?? 0;
    const max = filter?.priceMax ?? Number.POSITIVE_INFINITY;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      if (wantCategory >= 0 && category[i] !== wantCategory) continue;
      if (wantColor >= 0 && color[i] !== wantColor) continue;
      if ((price[i] as number) < min || (price[i] as number) > max) continue;
      kept++;
    }
    return kept;
  };
}

async function checkAgainstBruteForce(
  dir: string,
  n: number,
  queries: Float32Array[],
  answers: number[][],
): Promise<StoreResult['bruteForce']> {
  const best = queries.map(() => [] as { index: number; score: number }[]);
  const t = performance.now();
  await eachBatch(dir, n, (from, matrix) => {
    for (let j = 0; j * DIMS < matrix.length; j++) {
      const index = from + j;
      for (const [q, query] of queries.entries()) {
        let score = 0;
        for (let d = 0, base = j * DIMS; d < DIMS; d++)
          score += (matrix[base + d] as number) * (query[d] as number);
        const list = best[q] as { index: number; score: number }[];
        const worst = list[list.length - 1];
        if (list.length === K && worst && !before(score, index, worst)) continue;
        let at = list.length;
        while (at > 0 && before(score, index, list[at - 1] as { index: number; score: number })) at--;
        list.splice(at, 0, { index, score });
        if (list.length > K) list.pop();
      }
    }
  });
  const ms = (performance.now() - t) / queries.length;
  const equal = best.filter((list, q) => list.map((e) => e.index).join() === answers[q]?.join()).length;
  return { queries: queries.length, equal, ms };
}

/** Ranks as the store does: higher score first, then the smaller id (`p<index>` compared as text). */
function before(score: number, index: number, other: { index: number; score: number }): boolean {
  return score > other.score || (score === other.score && `p${index}` < `p${other.index}`);
}

/** Calls `visit` with every 20,000 rows of the raw vectors, in order. */
async function eachBatch(
  dir: string,
  n: number,
  visit: (from: number, matrix: Float32Array) => void,
): Promise<void> {
  const file = await open(path.join(dir, 'vectors.f32'), 'r');
  try {
    for (let from = 0; from < n; from += 20_000) {
      const rows = Math.min(20_000, n - from);
      const bytes = Buffer.alloc(rows * DIMS * 4);
      await file.read(bytes, 0, bytes.length, from * DIMS * 4);
      visit(from, new Float32Array(bytes.buffer, bytes.byteOffset, rows * DIMS));
    }
  } finally {
    await file.close();
  }
}

interface AnnResult {
  buildS: number;
  rssBytes: number;
  fileBytes: number;
  search: Record<string, Latency & { recall: number }>;
}

interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(vector: Float32Array, k: number, threads: number): { keys: BigUint64Array };
  save(file: string): void;
  load(file: string): void;
}
type IndexConstructor = new (config: Record<string, unknown>) => UsearchIndex;
const usearch = createRequire(import.meta.url)('usearch') as {
  Index: IndexConstructor;
};

/** Builds a usearch HNSW index (connectivity 16, expansion 128 on add) at `quantization`, then searches it. */
async function annPhase(dir: string, n: number, quantization: string): Promise<AnnResult> {
  const config = {
    dimensions: DIMS,
    metric: 'cos',
    quantization,
    connectivity: 16,
    expansion_add: 128,
    multi: false,
  };
  await settle();
  const rss0 = process.memoryUsage().rss;
  const index = new usearch.Index({ ...config, expansion_search: 64 });
  let buildMs = 0;
  await eachBatch(dir, n, (from, matrix) => {
    const rows = matrix.length / DIMS;
    const keys = new BigUint64Array(rows);
    for (let j = 0; j < rows; j++) keys[j] = BigInt(from + j);
    const t = performance.now();
    index.add(keys, matrix, 0);
    buildMs += performance.now() - t;
  });
  await settle();
  const rssBytes = process.memoryUsage().rss - rss0;
  const file = path.join(dir, `hnsw-${quantization}.usearch`);
  index.save(file);
  const { vectors } = await readQueries(dir);
  const truth = JSON.parse(await readFile(path.join(dir, 'truth.json'), 'utf8')) as number[][];
  const search: AnnResult['search'] = {};
  // The expansion on search is fixed when an index is made: a second one loads the saved graph with 256.
  const wide = new usearch.Index({ ...config, expansion_search: 256 });
  wide.load(file);
  for (const [name, searched] of [
    ['expansion 64', index],
    ['expansion 256', wide],
  ] as const) {
    const times: number[] = [];
    let found = 0;
    for (let q = 0; q < vectors.length; q++) {
      const t = performance.now();
      const { keys } = searched.search(vectors[q] as Float32Array, K, 1);
      if (q < 5) continue;
      times.push(performance.now() - t);
      const exact = new Set(truth[q - 5]);
      for (const key of keys) if (exact.has(Number(key))) found++;
    }
    search[name] = { ...latency(times), recall: found / (K * times.length) };
  }
  return { buildS: buildMs / 1000, rssBytes, fileBytes: (await stat(file)).size, search };
}

/**
 * Collects garbage twice, a moment apart: V8 frees the memory of dead ArrayBuffers on a background thread after
 * a collection, so one gc() alone still counts them.
 */
async function settle(): Promise<void> {
  const gc = globalThis.gc as () => void;
  gc();
  await new Promise((done) => setTimeout(done, 300));
  gc();
}

function latency(ms: number[]): Latency {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
  return { median: at(0.5), p95: at(0.95) };
}

// ---- the run -------------------------------------------------------------------------------------------------

function child<T>(phase: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = fork(fileURLToPath(import.meta.url), ['--phase', phase, ...args], {
      execArgv: [...process.execArgv, '--expose-gc'],
    });
    let result: T | undefined;
    worker.on('message', (message) => {
      result = message as T;
    });
    worker.on('exit', (code) =>
      code === 0 && result !== undefined
        ? resolve(result)
        : reject(new Error(`${phase} phase exited with ${code}`)),
    );
  });
}

const f = (x: number, digits = 1) => x.toFixed(digits);
const ms = (l: Latency) => `${f(l.median, 2)} ms median, p95 ${f(l.p95, 2)} ms`;

async function measure(n: number): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tf-scale-'));
  const common = ['--n', String(n), '--dims', String(DIMS), '--queries', String(QUERIES), '--dir', dir];
  try {
    console.log(
      `\n${n.toLocaleString('en')} products x ${DIMS} dims, ${CLUSTERS} clusters, ${QUERIES} queries, k=${K}`,
    );
    const w = await child<WriteResult>('write', common);
    console.log(
      `  write: ${f(w.upsertS)} s through upsert (${Math.round(n / w.upsertS).toLocaleString('en')} products/s, ` +
        `${BATCH} per fsynced append), log ${f(w.logBytes / MB / 1024, 2)} GiB; generating the vectors took ${f(w.generateS)} s more`,
    );
    const s = await child<StoreResult>('store', common);
    console.log(
      `  open: ${f(s.openS, 2)} s; memory after open: rss +${f(s.memory.rss / MB, 0)} MB, heap +${f(s.memory.heapUsed / MB, 0)} MB, ` +
        `external +${f(s.memory.external / MB, 0)} MB (vectors alone: ${f((n * DIMS * 4) / MB, 0)} MB)`,
    );
    for (const [name, l] of Object.entries(s.search)) {
      console.log(`  exact search, ${name} (keeps ${l.kept.toLocaleString('en')} on average): ${ms(l)}`);
    }
    const b = s.bruteForce;
    console.log(
      `  exact answers equal to a brute force over the raw vectors: ${b.equal} of ${b.queries} (brute force in JavaScript: ${f(b.ms, 0)} ms a query)`,
    );
    if (values['no-ann']) return;
    for (const quantization of ['f16', 'i8']) {
      const a = await child<AnnResult>('ann', [...common, '--quantization', quantization]);
      console.log(
        `  HNSW ${quantization} (connectivity 16, expansion 128 on add): build ${f(a.buildS)} s on ${os.cpus().length} threads, ` +
          `rss +${f(a.rssBytes / MB, 0)} MB, saved ${f(a.fileBytes / MB, 0)} MB`,
      );
      for (const [name, l] of Object.entries(a.search)) {
        console.log(`    ${name}: recall@${K} ${f(l.recall, 3)}, ${ms(l)} (one thread)`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (values.phase) {
  const dir = values.dir as string;
  const result =
    values.phase === 'write'
      ? await writePhase(dir, N)
      : values.phase === 'store'
        ? await storePhase(dir, N)
        : await annPhase(dir, N, values.quantization as string);
  process.send?.(result);
} else {
  const require = createRequire(import.meta.url);
  const usearchRoot = path.resolve(path.dirname(require.resolve('usearch')), '../../..');
  const { version } = JSON.parse(await readFile(path.join(usearchRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  console.log(
    `store-scale on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${f(os.totalmem() / MB / 1024, 0)} GiB, ` +
      `node ${process.version}, usearch ${version}`,
  );
  // 50,000 first, for comparison with the catalog-scale numbers, when --n is larger.
  for (const n of N > 50_000 ? [50_000, N] : [N]) await measure(n);
}
