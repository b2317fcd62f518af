import type { FailureReason } from '../../core/types.ts';

/** Why images of a host are not being tried right now. */
export interface Tripped {
  reason: FailureReason;
  detail: string;
}

interface HostState {
  /** Requests in a row that ended in a host fault (timeout, dropped connection, 429, 5xx). */
  strikes: number;
  last?: Tripped;
  openUntil: number;
}

/**
 * A per-host circuit breaker: after `limit` requests to one host in a row end in a host fault (timeout, dropped
 * connection, 429, 5xx), whatever image they were for, the host's images fail at once for `cooldownMs` instead
 * of each spending its own retries and timeouts on it. After the cooldown one more fault re-opens it; any other
 * answer (an image, a 404, ...) closes it.
 */
export class HostBreaker {
  readonly #hosts = new Map<string, HostState>();

  constructor(
    readonly limit = 10,
    readonly cooldownMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Undefined when `host` may be tried; otherwise the outcome to record without trying. */
  check(host: string): Tripped | undefined {
    const state = this.#hosts.get(host);
    if (!state || state.strikes < this.limit) return undefined;
    if (this.now() >= state.openUntil) {
      state.strikes = this.limit - 1;
      return undefined;
    }
    const last = state.last;
    return {
      reason: last?.reason ?? 'network_error',
      detail:
        `not tried: the last ${this.limit} requests to ${host} failed in a row (last: ${last?.detail ?? '?'}); ` +
        `the host gets another chance after ${Math.round(this.cooldownMs / 1000)} s`,
    };
  }

  /** Records how one request to `host` ended: with a host fault, or with anything else (`undefined`). */
  record(host: string, fault: Tripped | undefined): void {
    if (!fault) {
      this.#hosts.delete(host);
      return;
    }
    const state = this.#hosts.get(host) ?? { strikes: 0, openUntil: 0 };
    state.strikes++;
    state.last = fault;
    if (state.strikes >= this.limit) state.openUntil = this.now() + this.cooldownMs;
    this.#hosts.set(host, state);
  }
}
