// Measures what the models cost inside a benchmark, so that "CPU outside the models" is total minus models.
// Every onnxruntime session run (ours and transformers.js's: both use onnxruntime-node's InferenceSession) is
// counted by input shape, and one copy of each shape's inputs is kept. Afterwards, replay() runs each kept input
// again, alone, and charges every counted run the CPU and wall time its replay took. Timing the runs in place
// would charge the models for whatever libvips and the other batch did on other threads meanwhile.
import { InferenceSession, Tensor } from 'onnxruntime-node';

interface Shape {
  session: InferenceSession;
  feeds: Record<string, Tensor>;
  fetches: string[];
  count: number;
}

/** What the counted runs cost, estimated by replaying them alone. */
export interface ModelCost {
  runs: number;
  /** Process CPU (all threads), milliseconds. */
  cpuMs: number;
  wallMs: number;
}

const copy = (t: Tensor) =>
  new Tensor(t.type as 'float32', (t.data as Float32Array).slice() as Float32Array, [...t.dims]);

/** Starts counting session runs; stop() ends it, replay() estimates their cost. */
export function meterModels() {
  const shapes = new Map<string, Shape>();
  const ids = new Map<InferenceSession, number>();
  const proto = (InferenceSession as unknown as { prototype: InferenceSession }).prototype;
  const run = proto.run;
  proto.run = function (this: InferenceSession, feeds: InferenceSession.FeedsType, ...rest: unknown[]) {
    if (!ids.has(this)) ids.set(this, ids.size);
    const key = `${ids.get(this)}:${Object.entries(feeds)
      .map(([k, t]) => `${k}[${t.dims}]`)
      .join()}`;
    const seen = shapes.get(key);
    if (seen) seen.count++;
    else {
      const fetch = rest[0];
      const fetches = Array.isArray(fetch)
        ? (fetch as string[])
        : fetch && typeof fetch === 'object'
          ? Object.keys(fetch)
          : [...this.outputNames];
      const kept = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, copy(t)]));
      shapes.set(key, { session: this, feeds: kept, fetches, count: 1 });
    }
    return (run as (...a: unknown[]) => ReturnType<typeof run>).call(this, feeds, ...rest);
  } as typeof run;
  return {
    stop() {
      proto.run = run;
    },
    /** Replays each input shape `times` times alone; returns the cost of all counted runs. */
    async replay(times = 3): Promise<ModelCost> {
      const total = { runs: 0, cpuMs: 0, wallMs: 0 };
      for (const shape of shapes.values()) {
        await run.call(shape.session, shape.feeds, shape.fetches); // warm
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < times; i++) await run.call(shape.session, shape.feeds, shape.fetches);
        const cpu = process.cpuUsage(cpu0);
        total.runs += shape.count;
        total.cpuMs += ((cpu.user + cpu.system) / 1e3 / times) * shape.count;
        total.wallMs += ((performance.now() - t0) / times) * shape.count;
      }
      return total;
    },
  };
}
