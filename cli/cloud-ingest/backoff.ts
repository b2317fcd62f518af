import { isTransientAwsError } from './aws-errors.ts';

/** How a call is retried when AWS throttles it or has a transient fault. */
export interface BackoffPolicy {
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** In [0, 1). */
  random(): number;
  signal?: AbortSignal;
  /** First wait, doubled per attempt up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  /** Calls in all, the first included. */
  attempts: number;
}

/** Default: 1 s doubling to 30 s, eight calls in all (the SDK's own three retries come on top of each). */
export const DEFAULT_BACKOFF = { baseMs: 1000, maxMs: 30_000, attempts: 8 } as const;

/**
 * Runs `call`, retrying throttling and transient errors with a jittered exponential wait.
 * Other errors, the last attempt's error, and any error once the signal has aborted are thrown.
 */
export async function withBackoff<T>(call: () => Promise<T>, policy: BackoffPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isTransientAwsError(error) || attempt >= policy.attempts || policy.signal?.aborted) throw error;
      const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
      // "Equal jitter": at least half the cap, so waits still grow; the random half spreads callers apart.
      await policy.sleep(Math.round(cap / 2 + (policy.random() * cap) / 2), policy.signal);
      if (policy.signal?.aborted) throw error;
    }
  }
}
