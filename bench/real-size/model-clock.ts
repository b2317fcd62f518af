// Times every ONNX inference of the process where it happens, to split an ingestion's wall time and CPU into
// the models' and the rest.
//
// Wall time. onnxruntime-node's session handler (dist/backend.js) runs a graph with
// `setImmediate(() => resolve(this.#inferenceSession.run(feeds, fetches, options)))`: the native binding's `run`
// is synchronous on the main thread. Timing InferenceSession.prototype.run (onnxruntime-common) would also count
// the wait in the setImmediate queue and the conversion of the outputs, which are pipeline time. So the binding's
// InferenceSession class is replaced, before any session is created, by a subclass whose `run` records its own
// duration: exactly the span in which the main thread ran the graph and nothing else. Our segmenter and
// transformers.js both create their sessions through that class. (The binding's methods are read-only, but
// `binding.InferenceSession` is a writable property the handler reads at every session creation.)
//
// CPU. Process CPU alone cannot be split: libvips decodes the next images on other threads while a graph runs,
// and onnxruntime's pool threads spin a while after each run. So CPU is counted per thread (Linux
// /proc/self/task/<tid>/schedstat, nanoseconds): the threads a session's loadModel starts are its intra-op pool
// (all their CPU is the models', spinning included), the main thread's CPU inside the timed runs is the models',
// and everything else (the main thread between runs, libvips, libuv, V8's GC) is the pipeline's. Where schedstat
// is missing (not Linux), only process CPU is reported.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type Feeds = Record<string, { dims?: readonly number[] } | undefined>;

interface NativeSession {
  loadModel(...args: unknown[]): unknown;
  run(feeds: Feeds, fetches: unknown, options: unknown): unknown;
}

type NativeSessionClass = new () => NativeSession;

/** What the runs of one graph cost. */
export interface GraphTime {
  runs: number;
  /** Items fed (the first input's batch dimension, summed). */
  items: number;
  wallMs: number;
}

/** One recorded input per graph and shape, to replay alone. */
export interface RecordedRun {
  graph: string;
  session: NativeSession;
  feeds: Feeds;
  fetches: unknown;
  options: unknown;
}

/** CPU over a measurement, ms, by where it went. */
export interface CpuSplit {
  /** Every thread of the process (process.cpuUsage). */
  total: number;
  /** The models': onnxruntime's pool threads, plus the main thread inside the timed runs. Null without schedstat. */
  models: number | null;
  /** total - models. */
  outside: number | null;
  /** Parts of `outside`: the main thread between runs, libvips's workers, and every other thread. */
  mainOutside: number | null;
  libvips: number | null;
}

/** One measurement: model wall time by graph, the CPU split, and one input of each graph and shape. */
export interface Measurement {
  byGraph: Record<string, GraphTime>;
  cpu: CpuSplit;
  recorded: RecordedRun[];
}

/** Which graph a run is: by its input names (the real exports'). */
export function graphOf(feeds: Feeds): string {
  const names = Object.keys(feeds);
  if (names.includes('input_ids')) return 'text';
  if (names.includes('pixel_values')) return 'vision';
  if (names.includes('input.1')) return 'segment';
  return names[0] ?? 'unknown';
}

const TASKS = '/proc/self/task';
const MAIN = String(process.pid);

/** CPU time of one thread of this process in ns, or undefined (not Linux, or the thread has exited). */
function threadCpuNs(tid: string): number | undefined {
  try {
    return Number(readFileSync(`${TASKS}/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

function threadIds(): string[] {
  try {
    return readdirSync(TASKS);
  } catch {
    return [];
  }
}

const threadName = (tid: string) => {
  try {
    return readFileSync(`${TASKS}/${tid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

const perThread = () => new Map(threadIds().map((tid) => [tid, threadCpuNs(tid) ?? 0]));
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** Counts the runs between start() and stop(). */
export class ModelClock {
  private measuring = false;
  private times = new Map<string, GraphTime>();
  private recorded = new Map<string, RecordedRun>();
  private mainInRunsNs = 0;
  private startThreads = new Map<string, number>();
  private startCpu: NodeJS.CpuUsage = process.cpuUsage();
  /** onnxruntime intra-op pool threads, learnt as each session loads. */
  readonly poolThreads = new Set<string>();
  readonly perThreadCpu = threadCpuNs(MAIN) !== undefined;

  constructor(private readonly runOriginal: (this: NativeSession, ...a: unknown[]) => unknown) {}

  start(): void {
    this.times = new Map();
    this.recorded = new Map();
    this.mainInRunsNs = 0;
    this.startThreads = perThread();
    this.startCpu = process.cpuUsage();
    this.measuring = true;
  }

  stop(): Measurement {
    this.measuring = false;
    const total = cpuMs(process.cpuUsage(this.startCpu));
    const byGraph = Object.fromEntries(this.times);
    const recorded = [...this.recorded.values()];
    if (!this.perThreadCpu) {
      const none = { models: null, outside: null, mainOutside: null, libvips: null };
      return { byGraph, recorded, cpu: { total, ...none } };
    }
    let pool = 0;
    let main = 0;
    let libvips = 0;
    for (const [tid, ns] of perThread()) {
      const spent = (ns - (this.startThreads.get(tid) ?? 0)) / 1e6;
      if (tid === MAIN) main = spent;
      else if (this.poolThreads.has(tid)) pool += spent;
      else if (/vips/i.test(threadName(tid))) libvips += spent;
    }
    const models = pool + this.mainInRunsNs / 1e6;
    return {
      byGraph,
      recorded,
      cpu: { total, models, outside: total - models, mainOutside: main - this.mainInRunsNs / 1e6, libvips },
    };
  }

  /** @internal: the timed session class reports each run. */
  timed(run: RecordedRun, call: () => unknown): unknown {
    if (!this.measuring) return call();
    const main0 = this.perThreadCpu ? (threadCpuNs(MAIN) ?? 0) : 0;
    const t0 = performance.now();
    try {
      return call();
    } finally {
      const wallMs = performance.now() - t0;
      if (this.perThreadCpu) this.mainInRunsNs += (threadCpuNs(MAIN) ?? 0) - main0;
      const time = this.times.get(run.graph) ?? { runs: 0, items: 0, wallMs: 0 };
      time.runs++;
      time.items += Object.values(run.feeds)[0]?.dims?.[0] ?? 1;
      time.wallMs += wallMs;
      this.times.set(run.graph, time);
      const shape = `${run.graph}:${Object.values(run.feeds)
        .map((t) => t?.dims?.join('x'))
        .join()}`;
      if (!this.recorded.has(shape)) this.recorded.set(shape, run);
    }
  }

  /** Runs a recorded input `times` times alone, untimed by the clock; the median ms of one run. */
  replay(run: RecordedRun, times = 3): number {
    const ms: number[] = [];
    for (let i = 0; i < times; i++) {
      const t0 = performance.now();
      this.runOriginal.call(run.session, run.feeds, run.fetches, run.options);
      ms.push(performance.now() - t0);
    }
    return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)] as number;
  }
}

let installed: ModelClock | undefined;

/**
 * Installs the clock into onnxruntime-node's binding (once per process). Sessions created before this call are
 * neither timed nor known; call it before any model loads.
 */
export function installModelClock(): ModelClock {
  if (installed) return installed;
  const module = require('onnxruntime-node/dist/binding.js') as {
    binding: { InferenceSession: NativeSessionClass };
  };
  const Native = module.binding.InferenceSession;
  const clock = new ModelClock(Native.prototype.run as (this: NativeSession, ...a: unknown[]) => unknown);
  class TimedSession extends Native {
    // The session's intra-op pool threads start inside the synchronous native loadModel.
    override loadModel(...args: unknown[]): unknown {
      const before = new Set(threadIds());
      try {
        return super.loadModel(...args);
      } finally {
        for (const tid of threadIds()) {
          if (!before.has(tid) && !/vips/i.test(threadName(tid))) clock.poolThreads.add(tid);
        }
      }
    }

    override run(feeds: Feeds, fetches: unknown, options: unknown): unknown {
      const run = { graph: graphOf(feeds), session: this, feeds, fetches, options };
      return clock.timed(run, () => super.run(feeds, fetches, options));
    }
  }
  module.binding.InferenceSession = TimedSession;
  installed = clock;
  return clock;
}
