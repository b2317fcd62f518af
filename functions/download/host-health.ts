import { setTimeout as sleepFor } from 'node:timers/promises';
import { formatAskedWait, formatDuration } from '#core/format-duration.ts';
import type { HostPauseEvent } from '#core/host-pause.ts';
import { type HostPause, type HostWatchSettings, resolveHostWatch } from '#core/host-pause.ts';
import type { FailureReason } from '#core/types.ts';

/** What one request to a host said about the host. */
export type HostSignal =
  | { kind: 'ok' }
  /** Timeout, dropped connection, 5xx, 429 without a usable Retry-After. */
  | { kind: 'fault'; reason: FailureReason; detail: string }
  /**
   * 429 (or 503 with a Retry-After): the host asks us to pause; never a strike. `answer` is the status line
   * ('HTTP 429'); `asked` is false when no Retry-After came and `retryAfterMs` is our own pause.
   */
  | { kind: 'throttled'; retryAfterMs: number; detail: string; answer?: string; asked?: boolean };

/** Whether an image may ask its host now. */
export type Admission =
  | { kind: 'go'; probe: boolean }
  /** The host stays paused past the caller's deadline: hand the image to a later pass. */
  | { kind: 'deferred'; until: number }
  /** The host's pause budget for the run is spent. */
  | { kind: 'unavailable'; detail: string };

export type { HostPauseEvent };

type Outcome = 'ok' | 'fault' | 'throttled';

interface HostState {
  /** The last distinct URLs asked of the host, oldest first, with how their last request ended. */
  recent: Map<string, Outcome>;
  mode: 'open' | 'paused' | 'probing';
  pausedUntil: number;
  why: string;
  /** What paused the host: most of its URLs failing (the breaker), or a 429 with Retry-After. */
  pausedFor: 'failing' | 'throttled';
  /** URLs that were ever throttled: a second 429 for one of them is its own limit, not the host's. */
  throttledUrls: Set<string>;
  /** The next breaker pause; doubles with each failed probe, back to the start once the host answers. */
  cooldownMs: number;
  pausedMs: number;
  /** Pause time the host has since made good by serving images: not charged to the budget. */
  refundedMs: number;
  /** Throttle pause time not yet refunded: the next image the host serves refunds it. */
  throttledOwedMs: number;
  /** Breaker pause time not yet refunded: refunded once the host serves `minFailingUrls` images after a pause. */
  failingOwedMs: number;
  /** Images served since the last pause began. */
  servedSincePause: number;
  /** The slowest pace its requests were held to after it throttled us (notePace). */
  pacedTo?: number;
  /** The pace last shown to progress displays (onChange); undefined while not paced. */
  shownPace?: number;
  pauses: number;
  reasons: string[];
  lastFault?: string;
  exhausted?: string;
  wake: Set<() => void>;
}

const MAX_REASONS = 5;
const MAX_THROTTLED_URLS = 10_000;

/** The most pause time one served image gives back to its host's budget (see #refund). */
export const REFUND_PER_SERVED_MS = 10_000;

/** How long a URL that failed before lets fresh URLs take the probe after a pause. */
const PROBE_GRACE_MS = 250;

/**
 * Judges each host (scheme-less `host:port`) by its recent distinct URLs, not by attempts: the retries of one
 * URL are one entry. The host is paused when most of the last `windowUrls` URLs failed and at least
 * `minFailingUrls` of them did (a breaker), or when it answers 429 with Retry-After (for that long, capped, no
 * strike). While paused, its images wait; after the pause one probe request goes first, and the host resumes
 * when it answers. Pauses add up per run: once a host has been paused `budgetMs` in all, its images are
 * `host_unavailable`; pauses after which the host served images again do not count (see #refund).
 */
export class HostHealth {
  readonly settings: Required<HostWatchSettings>;
  readonly #hosts = new Map<string, HostState>();

  constructor(
    settings: HostWatchSettings = {},
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = sleepFor,
    private readonly onChange?: (event: HostPauseEvent) => void,
  ) {
    this.settings = resolveHostWatch(settings);
  }

  /**
   * Waits until `host` may be asked, or says why it may not. `deadline` (epoch ms) is when the caller must
   * stop waiting: a pause that ends later defers the image instead.
   */
  async admit(host: string, url: string, deadline = Number.POSITIVE_INFINITY): Promise<Admission> {
    for (;;) {
      const state = this.#hosts.get(host);
      if (state?.exhausted) return { kind: 'unavailable', detail: state.exhausted };
      if (!state || state.mode === 'open') return { kind: 'go', probe: false };
      const now = this.now();
      // A URL that failed before probes only when no fresh one took the probe within a grace period.
      const known = state.recent.get(url);
      const opensAt = state.pausedUntil + (known === undefined || known === 'ok' ? 0 : PROBE_GRACE_MS);
      if (state.mode === 'paused' && now >= opensAt) {
        state.mode = 'probing';
        return { kind: 'go', probe: true };
      }
      const until = state.mode === 'paused' ? state.pausedUntil : now;
      if (until > deadline) return { kind: 'deferred', until };
      // While a probe is out, wait for its answer; while paused, for the pause to end (or a change).
      await this.#waitForChange(state, state.mode === 'paused' ? opensAt - now : undefined);
    }
  }

  /** True when a request admitted as `probe` (or not) may still go now: the host was not paused meanwhile. */
  mayGo(host: string, probe: boolean): boolean {
    const state = this.#hosts.get(host);
    if (state?.exhausted) return false;
    return !state || state.mode === 'open' || (probe && state.mode === 'probing');
  }

  /**
   * Records how a request ended. Returns true when the host, not the URL, is to blame for a failed request:
   * the host is paused, or most of its recent URLs are failing; such an attempt should not count against the
   * image's own retries.
   */
  record(host: string, url: string, signal: HostSignal, probe: boolean): boolean {
    const state = this.#state(host);
    const blamed = this.#judge(host, state, url, signal, probe);
    // A probe always settles the host: paused again, or resumed; never left waiting on a probe that returned.
    if (probe && state.mode === 'probing' && !state.exhausted) this.#resume(host, state);
    return blamed;
  }

  #judge(host: string, state: HostState, url: string, signal: HostSignal, probe: boolean): boolean {
    const before = state.recent.get(url);
    state.recent.delete(url);
    state.recent.set(url, signal.kind);
    while (state.recent.size > this.settings.windowUrls) {
      const oldest = state.recent.keys().next().value as string;
      state.recent.delete(oldest);
    }
    if (signal.kind === 'ok') {
      this.#refund(state);
      // Only an answer after the pause ends resumes the host: one already in flight when it began does not.
      if (state.mode === 'probing' && !state.exhausted) this.#resume(host, state);
      state.cooldownMs = this.settings.cooldownMs;
      return false;
    }
    if (signal.kind === 'throttled') {
      // Throttling is the host's word, so it pauses the host; but a URL throttled again while the others are
      // served is that URL's own limit: it waits alone, and cannot stall the host once per retry.
      // The URL whose 429 paused the host waits for that pause like the host's other images (its attempt is
      // free), unless it asked for longer than we ever pause.
      const broad = this.#broadlyThrottled(state);
      let waitsForItsPause = false;
      if (!state.throttledUrls.has(url) || broad) {
        const ms = Math.min(signal.retryAfterMs, this.settings.maxPauseMs);
        const capped = ms < signal.retryAfterMs ? ` (we pause ${formatDuration(ms)} at most)` : '';
        const answer = signal.answer ?? 'HTTP 429';
        const why =
          signal.asked === false
            ? `${answer} without Retry-After (we pause ${formatDuration(ms)})`
            : `${answer} with Retry-After ${formatAskedWait(signal.retryAfterMs)}${capped}`;
        this.#pause(host, state, ms, why, 'throttled');
        waitsForItsPause = ms === signal.retryAfterMs;
      }
      if (state.throttledUrls.size < MAX_THROTTLED_URLS) state.throttledUrls.add(url);
      return broad || waitsForItsPause;
    }
    state.lastFault = signal.detail;
    if (probe && state.mode === 'probing') {
      // A URL that failed before says nothing new about its host; nor does one failure among mostly good ones.
      if (before !== undefined && before !== 'ok') {
        this.#resume(host, state);
        return false;
      }
      if (!this.#broadlyFailing(state)) {
        this.#resume(host, state);
        return false;
      }
      const ms = state.cooldownMs;
      state.cooldownMs = Math.min(state.cooldownMs * 2, this.settings.maxCooldownMs);
      this.#pause(host, state, ms, `the probe failed: ${signal.detail}`, 'failing');
      return true;
    }
    if (state.mode === 'open' && this.#breakerTrips(state)) {
      const { failing, size } = counts(state);
      const ms = state.cooldownMs;
      state.cooldownMs = Math.min(state.cooldownMs * 2, this.settings.maxCooldownMs);
      this.#pause(
        host,
        state,
        ms,
        `${failing} of its last ${size} URLs failed (last: ${signal.detail})`,
        'failing',
      );
    }
    // A request that failed while the breaker holds the host was the host's failure; during a throttle pause
    // (someone else's 429) it is the URL's own.
    return state.mode !== 'open' && state.pausedFor === 'failing';
  }

  /**
   * Notes the pace (requests a second) `host`'s requests are held to now, undefined once they are not paced;
   * the report keeps the slowest. Progress displays hear of a change of 10% or more, and of the end of pacing.
   */
  notePace(host: string, rate: number | undefined): void {
    const state = this.#hosts.get(host);
    if (!state) return;
    if (rate !== undefined) state.pacedTo = Math.min(state.pacedTo ?? rate, rate);
    const shown = state.shownPace;
    const unchanged =
      rate === undefined ? shown === undefined : shown !== undefined && Math.abs(rate - shown) < 0.1 * shown;
    if (unchanged) return;
    state.shownPace = rate;
    this.onChange?.({
      host,
      pacedTo: rate === undefined ? Number.POSITIVE_INFINITY : Math.round(rate * 100) / 100,
    });
  }

  /** How many pauses of `host` have begun in the run (the pacer slows a host down when one begins). */
  pausesOf(host: string): number {
    return this.#hosts.get(host)?.pauses ?? 0;
  }

  /**
   * What happened to each host that was ever paused, for the run summary. A pause still under way counts in
   * full, with its `pausedUntil`, while images will wait for it in a later pass; once `ended` (nothing of the
   * batch waits any more) it counts only the time it has run. Hosts come in name order, whichever paused first.
   */
  report(hosts?: Iterable<string>, { ended = false }: { ended?: boolean } = {}): HostPause[] {
    const names = [...new Set(hosts ?? this.#hosts.keys())].sort();
    const out: HostPause[] = [];
    for (const host of names) {
      const s = this.#hosts.get(host);
      if (!s || s.pauses === 0) continue;
      const ahead = this.#ahead(s);
      out.push({
        host,
        pausedMs: ended ? s.pausedMs - ahead : s.pausedMs,
        ...(s.pacedTo !== undefined && { pacedTo: Math.round(s.pacedTo * 100) / 100 }),
        ...(!ended &&
          (s.throttledOwedMs > 0 || s.failingOwedMs > 0) && {
            owedMs: { throttled: s.throttledOwedMs, failing: s.failingOwedMs },
          }),
        ...(s.refundedMs > 0 && {
          chargedMs: Math.max(0, (ended ? s.pausedMs - ahead : s.pausedMs) - s.refundedMs),
        }),
        pauses: s.pauses,
        reasons: [...s.reasons],
        ...(!ended && ahead > 0 && { pausedUntil: s.pausedUntil }),
        ...(s.exhausted && { gaveUp: true }),
      });
    }
    return out;
  }

  /** The part of the host's pause that is still to run (charged to its budget when the pause began). */
  #ahead(state: HostState): number {
    if (state.mode === 'open') return 0;
    return Math.min(state.pausedMs, Math.max(0, state.pausedUntil - this.now()));
  }

  /** Takes over what an earlier pass of the run learnt (pause time spent, a pause still running). */
  restore(pauses: readonly HostPause[]): void {
    for (const p of pauses) {
      const state = this.#state(p.host);
      state.pausedMs = Math.max(state.pausedMs, p.pausedMs);
      state.refundedMs = Math.max(state.refundedMs, p.pausedMs - (p.chargedMs ?? p.pausedMs));
      state.throttledOwedMs = Math.max(state.throttledOwedMs, p.owedMs?.throttled ?? 0);
      state.failingOwedMs = Math.max(state.failingOwedMs, p.owedMs?.failing ?? 0);
      state.pauses = Math.max(state.pauses, p.pauses);
      if (p.pacedTo !== undefined) state.pacedTo = Math.min(state.pacedTo ?? p.pacedTo, p.pacedTo);
      for (const r of p.reasons) addReason(state, r);
      if (p.pausedUntil !== undefined && p.pausedUntil > state.pausedUntil) {
        state.mode = 'paused';
        state.pausedUntil = p.pausedUntil;
        state.why = p.reasons.at(-1) ?? 'paused by an earlier pass';
      }
    }
  }

  #state(host: string): HostState {
    let state = this.#hosts.get(host);
    if (!state) {
      state = {
        recent: new Map(),
        mode: 'open',
        pausedUntil: 0,
        why: '',
        pausedFor: 'failing',
        throttledUrls: new Set(),
        cooldownMs: this.settings.cooldownMs,
        pausedMs: 0,
        refundedMs: 0,
        throttledOwedMs: 0,
        failingOwedMs: 0,
        servedSincePause: 0,
        pauses: 0,
        reasons: [],
        wake: new Set(),
      };
      this.#hosts.set(host, state);
    }
    return state;
  }

  #breakerTrips(state: HostState): boolean {
    const { failing, size, faults } = counts(state);
    return faults >= this.settings.minFailingUrls && failing * 2 > size;
  }

  /** Two or more URLs throttled, and most recent URLs failing: the host throttles us, not one URL. */
  #broadlyThrottled(state: HostState): boolean {
    const { failing, size, throttled } = counts(state);
    return throttled >= 2 && failing * 2 > size;
  }

  #broadlyFailing(state: HostState): boolean {
    const { failing, size } = counts(state);
    return failing >= this.settings.minFailingUrls && failing * 2 > size;
  }

  /** Pauses the host for `ms` more (within what is left of its budget), or gives up on it for the run. */
  #pause(host: string, state: HostState, ms: number, why: string, kind: HostState['pausedFor']): void {
    const now = this.now();
    const from = Math.max(now, state.mode === 'paused' ? state.pausedUntil : now);
    const wanted = now + ms - from;
    const left = this.settings.budgetMs - (state.pausedMs - state.refundedMs);
    addReason(state, why);
    if (wanted <= 0 && state.mode === 'paused') return;
    if (left <= 0) {
      // The budget is charged when a pause begins; the detail says how much of it has run.
      const ahead = this.#ahead(state);
      const still = ahead > 0 ? `, with ${formatDuration(ahead)} of its last pause still to run` : '';
      const notCounted =
        state.refundedMs > 0 ? `, ${formatDuration(state.refundedMs)} of it before it served again` : '';
      state.exhausted =
        `${host} was paused ${formatDuration(state.pausedMs - ahead)} in all${still}${notCounted} ` +
        `(${state.pauses} ${state.pauses === 1 ? 'pause' : 'pauses'}; last: ${why}); the run's budget of ` +
        `${formatDuration(this.settings.budgetMs)} per host is spent`;
      state.mode = 'paused';
      this.#notify(state);
      this.onChange?.({ host, why: 'unavailable: pause budget spent' });
      return;
    }
    const extra = Math.min(Math.max(wanted, 0), left);
    state.pausedMs += extra;
    if (kind === 'throttled') state.throttledOwedMs += extra;
    else state.failingOwedMs += extra;
    state.servedSincePause = 0;
    if (state.mode !== 'paused') state.pauses++;
    if (state.mode !== 'paused' || kind === 'failing') state.pausedFor = kind;
    state.mode = 'paused';
    state.pausedUntil = from + extra;
    state.why = why;
    this.#notify(state);
    this.onChange?.({ host, until: state.pausedUntil, why });
  }

  /**
   * A host that serves after a pause is alive, so the pause leaves its budget (the budget is for hosts that
   * stay down), up to REFUND_PER_SERVED_MS for each image served: a throttle pause (the host said "later")
   * from the first image, a breaker pause once `minFailingUrls` are served (a host failing most URLs while
   * serving a few keeps paying). So a host's pauses never outlast the budget plus that much per image it
   * served: one that serves a single image a minute still ends.
   */
  #refund(state: HostState): void {
    state.servedSincePause++;
    let room = REFUND_PER_SERVED_MS;
    const throttled = Math.min(room, state.throttledOwedMs);
    state.throttledOwedMs -= throttled;
    room -= throttled;
    let failing = 0;
    if (state.servedSincePause >= this.settings.minFailingUrls) {
      failing = Math.min(room, state.failingOwedMs);
      state.failingOwedMs -= failing;
    }
    state.refundedMs += throttled + failing;
  }

  #resume(host: string, state: HostState): void {
    state.mode = 'open';
    state.pausedUntil = 0;
    // A fresh start: the faults that paused the host must not pause it again at the next failure.
    for (const [url, outcome] of state.recent) if (outcome !== 'ok') state.recent.delete(url);
    this.#notify(state);
    this.onChange?.({ host });
  }

  #notify(state: HostState): void {
    const wake = [...state.wake];
    state.wake.clear();
    for (const w of wake) w();
  }

  async #waitForChange(state: HostState, ms: number | undefined): Promise<void> {
    let wake!: () => void;
    const changed = new Promise<void>((resolve) => {
      wake = resolve;
    });
    state.wake.add(wake);
    // Sleep in slices of at most a second, so no long timer outlives the run.
    const waits = ms === undefined ? [changed] : [this.sleep(Math.max(1, Math.min(ms, 1000))), changed];
    await Promise.race(waits);
    state.wake.delete(wake);
  }
}

function counts(state: HostState): { failing: number; faults: number; throttled: number; size: number } {
  let faults = 0;
  let throttled = 0;
  for (const outcome of state.recent.values()) {
    if (outcome === 'fault') faults++;
    else if (outcome === 'throttled') throttled++;
  }
  return { failing: faults + throttled, faults, throttled, size: state.recent.size };
}

function addReason(state: HostState, why: string): void {
  const short = why.length > 160 ? `${why.slice(0, 157)}...` : why;
  // Reasons that differ only in the last failure they quote (its URL) are one reason: the latest is kept.
  const same = state.reasons.findIndex((r) => reasonKey(r) === reasonKey(short));
  if (same >= 0) state.reasons.splice(same, 1);
  state.reasons.push(short);
  if (state.reasons.length > MAX_REASONS) state.reasons.shift();
}

/** A reason without its counts and the failure it quotes: "11 of its last 20 URLs failed (last: ...)". */
function reasonKey(reason: string): string {
  return reason
    .replace(/ \(last: .*$/, '')
    .replace(/^\d+ of its last \d+ URLs failed$/, 'URLs failed')
    .replace(/^the probe failed: .*$/, 'the probe failed');
}
