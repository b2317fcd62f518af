import type { HostPauseEvent } from '#core/host-pause.ts';
import type { FailureReason } from '#core/types.ts';

/** Counters of an ingestion run, updated by the driver and drawn by a ProgressReporter. */
export interface ProgressState {
  productsTotal: number;
  productsDone: number;
  imagesTotal: number;
  imagesOk: number;
  imagesFailed: number;
  failures: Partial<Record<FailureReason, number>>;
  stage: string;
  /** Hosts paused now: when each resumes and why (shown while their images wait). */
  pausedHosts: Map<string, { until?: number; why: string }>;
  /** Hosts whose requests are paced after they throttled us: the pace last set (requests a second). */
  pacedHosts: Map<string, number>;
}

/** Draws ingestion progress: a redrawn bar on a terminal, a line every few seconds otherwise. */
export class ProgressReporter {
  readonly state: ProgressState;
  private readonly started = Date.now();
  private lastLine = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    totals: { products: number; images: number },
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = out.isTTY ? 200 : 5000,
  ) {
    this.state = {
      productsTotal: totals.products,
      productsDone: 0,
      imagesTotal: totals.images,
      imagesOk: 0,
      imagesFailed: 0,
      failures: {},
      stage: 'starting',
      pausedHosts: new Map(),
      pacedHosts: new Map(),
    };
  }

  start(): void {
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref();
  }

  /** Records a failed image under its reason. */
  fail(reason: FailureReason): void {
    this.state.imagesFailed++;
    this.state.failures[reason] = (this.state.failures[reason] ?? 0) + 1;
  }

  /** Shows a paused host until it resumes, and the pace of a host that throttled us. */
  hostPaused(event: HostPauseEvent): void {
    if (event.pacedTo === Number.POSITIVE_INFINITY) this.state.pacedHosts.delete(event.host);
    else if (event.pacedTo !== undefined) this.state.pacedHosts.set(event.host, event.pacedTo);
    else if (event.why === undefined) this.state.pausedHosts.delete(event.host);
    else this.state.pausedHosts.set(event.host, { until: event.until, why: event.why });
    // A pace changes with every answer of a throttling host: it waits for the next regular draw.
    this.draw(event.pacedTo === undefined);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.draw(true);
    if (this.out.isTTY) this.out.write('\n');
  }

  /** One line: bar, counts, rate, ETA, failures. */
  line(): string {
    const s = this.state;
    const elapsed = Math.max((Date.now() - this.started) / 1000, 0.001);
    const ratio = s.productsTotal === 0 ? 1 : s.productsDone / s.productsTotal;
    const width = 24;
    const filled = Math.round(ratio * width);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
    const imagesDone = s.imagesOk + s.imagesFailed;
    const rate = imagesDone / elapsed;
    const eta = rate > 0 ? (s.imagesTotal - imagesDone) / rate : Number.NaN;
    const failures = Object.entries(s.failures)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    const paused = [...s.pausedHosts].map(([host, p]) => {
      const left =
        p.until === undefined ? '' : ` for ${formatSeconds(Math.max(0, (p.until - Date.now()) / 1000))}`;
      return ` | host ${host} paused${left} (${p.why.length > 80 ? `${p.why.slice(0, 77)}...` : p.why})`;
    });
    for (const [host, rate] of s.pacedHosts) {
      if (!s.pausedHosts.has(host))
        paused.push(` | host ${host} paced to ${rate.toFixed(1)} req/s (it throttled us)`);
    }
    return (
      `${bar} ${s.productsDone}/${s.productsTotal} products | images ${s.imagesOk} ok, ${s.imagesFailed} failed` +
      `${failures ? ` (${failures})` : ''} | ${rate.toFixed(1)} img/s | ${formatSeconds(elapsed)} elapsed` +
      `${Number.isFinite(eta) && ratio < 1 ? `, ~${formatSeconds(eta)} left` : ''} | ${s.stage}` +
      paused.slice(0, 2).join('')
    );
  }

  private draw(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastLine < this.intervalMs - 10) return;
    this.lastLine = now;
    if (this.out.isTTY) this.out.write(`\r\x1b[2K${this.line()}`);
    else this.out.write(`${this.line()}\n`);
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}
