import { setTimeout as sleepFor } from 'node:timers/promises';

/** How a throttling host's request rate is learnt; defined once. */
export const PACING = {
  /** The slowest pace: one request every 2 s. */
  minRate: 0.5,
  /** A host paced up to this many requests a second is no longer paced. */
  unpacedRate: 500,
  /** The window in which request starts are counted, to know the rate the host throttled. */
  windowMs: 1000,
  /** A host asked nothing for this long is forgotten: paced or not, it starts afresh. */
  forgetAfterMs: 5 * 60_000,
  /** The shortest time a burst of starts is taken to span, when its rate is measured. */
  minSpanMs: 250,
  /** After a cut, further throttles within this time are the same burst's answers, not a new cut. */
  holdMs: 1000,
  /** A throttle sets the rate to this fraction of the rate that was throttled. */
  cut: 0.7,
  /**
   * Requests a second each served request adds: paced at r a second, r are served each second, so the rate
   * climbs by this fraction of itself each second (20%), at any rate.
   */
  climbPerServed: 0.2,
} as const;

interface Pace {
  /** Requests a second; undefined while the host has never throttled us (or has recovered): not paced. */
  rate?: number;
  /** Earliest start of the next request. */
  nextAt: number;
  /** Start times within the last window, oldest first. */
  starts: number[];
  lastCutAt: number;
  /** When its last request started. */
  lastStartAt: number;
}

/**
 * Learns how fast each host lets us ask (additive increase, multiplicative decrease, as TCP does): a host is
 * not paced until it throttles us (429 or 503); then its requests are spaced at 0.7 of the rate it throttled,
 * and the rate climbs back (20% a second) while it serves. A CDN that rate-limits then sees a steady stream below its limit
 * instead of a burst, a throttle and a pause over and over. Shared per process, like the per-host limiter.
 */
export class HostPacer {
  readonly #paces = new Map<string, Pace>();
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = sleepFor,
  ) {}

  /** Waits for the host's next start (at once while it is not paced), and counts the start. */
  async start(host: string): Promise<void> {
    const now = this.now();
    this.#sweep(now);
    const pace = this.#pace(host);
    pace.lastStartAt = now;
    while (pace.starts.length > 0 && (pace.starts[0] as number) <= now - PACING.windowMs) pace.starts.shift();
    if (pace.rate === undefined) {
      pace.starts.push(now);
      return;
    }
    const at = Math.max(now, pace.nextAt);
    pace.nextAt = at + 1000 / pace.rate;
    pace.starts.push(at);
    if (at > now) await this.sleep(at - now);
  }

  /** The host throttled a request: cut the rate it was getting (once per burst of throttles). */
  slowDown(host: string): void {
    const pace = this.#pace(host);
    const now = this.now();
    if (now - pace.lastCutAt < PACING.holdMs) return;
    const recent = pace.starts.filter((t) => t > now - PACING.windowMs && t <= now);
    // The rate it throttled: the starts of the last window over the time they span (a burst at least
    // `minSpanMs`), or the pace itself when nothing started (a late answer).
    const span = Math.max(PACING.minSpanMs, now - (recent[0] ?? now));
    const observed = (recent.length * 1000) / span;
    const base =
      pace.rate === undefined
        ? Math.max(observed, 2 * PACING.minRate)
        : Math.min(pace.rate, observed || pace.rate);
    pace.rate = Math.max(PACING.minRate, base * PACING.cut);
    pace.lastCutAt = now;
  }

  /** The host served a request: raise its rate a little; at `unpacedRate` it is no longer paced. */
  speedUp(host: string): void {
    const pace = this.#paces.get(host);
    if (pace?.rate === undefined) return;
    pace.rate += PACING.climbPerServed;
    if (pace.rate >= PACING.unpacedRate) pace.rate = undefined;
  }

  /** Requests a second the host is paced at; undefined when it is not paced. */
  rate(host: string): number | undefined {
    return this.#paces.get(host)?.rate;
  }

  /**
   * Forgets, at most once a window, the hosts asked nothing for `forgetAfterMs`: a catalog of 140k hosts does not
   * keep 140k entries, and a host left alone that long (a new run, in a warm Lambda) starts unpaced again.
   */
  #sweep(now: number): void {
    if (now - this.#sweptAt < PACING.windowMs) return;
    this.#sweptAt = now;
    for (const [host, pace] of this.#paces) {
      const idle = now - pace.lastStartAt;
      if (idle > PACING.forgetAfterMs || (pace.rate === undefined && idle > PACING.windowMs)) {
        this.#paces.delete(host);
      }
    }
  }

  #pace(host: string): Pace {
    let pace = this.#paces.get(host);
    if (!pace) {
      pace = { nextAt: 0, starts: [], lastCutAt: Number.NEGATIVE_INFINITY, lastStartAt: this.now() };
      this.#paces.set(host, pace);
    }
    return pace;
  }
}
