/** How often and how patiently to retry one operation. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 = try once). */
  retries: number;
  /** Backoff ceiling of the first retry; doubles with each retry. */
  baseDelayMs: number;
  /** No wait is ever longer; a server asking for more (Retry-After) makes the loop give up. */
  maxDelayMs: number;
  /** The waits of one operation never add up to more; the loop gives up instead (default: no total cap). */
  maxTotalDelayMs?: number;
  /** Epoch ms no wait may end after (the caller's own time runs out then); the loop gives up instead. */
  deadline?: number;
}

/** Time and chance, injectable so tests neither wait nor guess. */
export interface RetryClock {
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  random: () => number;
  /** Epoch ms; needed only with a policy `deadline`. */
  now?: () => number;
}

/** What one attempt produced and whether the loop may try again. */
export type Attempt<T> = { retry: false; value: T } | { retry: true; value: T; retryAfterMs?: number };

/** The last attempt's value, how many attempts ran, the waits between them and why the loop stopped early. */
export interface RetryOutcome<T> {
  value: T;
  attempts: number;
  delaysMs: number[];
  /** Set when the last attempt asked for a retry that was not made. */
  gaveUp?: 'exhausted' | 'retry_after_too_long' | 'budget_spent' | 'deadline';
}

/** Statuses worth another try: 429 and every 5xx. Other 4xx will not change by asking again. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/**
 * Parses a Retry-After header (delta-seconds, or an HTTP-date, which starts with a day name) into milliseconds
 * from `nowMs`.
 * Returns undefined when the header is absent or unreadable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Full-jitter exponential backoff: uniform in [0, min(maxDelayMs, baseDelayMs * 2^retryIndex)). */
export function backoffDelay(retryIndex: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  return Math.floor(random() * ceiling);
}

/**
 * Runs `attempt` until it returns `retry: false`, the retries are spent, the server asks to wait longer than
 * `maxDelayMs`, or the next wait would take the total past `maxTotalDelayMs` or end past `deadline`. The wait is full-jitter backoff,
 * or the Retry-After when that is longer (a zero or past Retry-After never means "hammer again now").
 */
export async function withRetries<T>(
  attempt: (attemptIndex: number) => Promise<Attempt<T>>,
  policy: RetryPolicy,
  clock: RetryClock,
): Promise<RetryOutcome<T>> {
  const delaysMs: number[] = [];
  let waited = 0;
  for (let index = 0; ; index++) {
    const result = await attempt(index);
    const attempts = index + 1;
    if (!result.retry) return { value: result.value, attempts, delaysMs };
    if (index >= policy.retries) return { value: result.value, attempts, delaysMs, gaveUp: 'exhausted' };
    if (result.retryAfterMs !== undefined && result.retryAfterMs > policy.maxDelayMs) {
      return { value: result.value, attempts, delaysMs, gaveUp: 'retry_after_too_long' };
    }
    const delay = Math.max(result.retryAfterMs ?? 0, backoffDelay(index, policy, clock.random));
    if (policy.maxTotalDelayMs !== undefined && waited + delay > policy.maxTotalDelayMs) {
      return { value: result.value, attempts, delaysMs, gaveUp: 'budget_spent' };
    }
    if (policy.deadline !== undefined && (clock.now ?? Date.now)() + delay > policy.deadline) {
      return { value: result.value, attempts, delaysMs, gaveUp: 'deadline' };
    }
    waited += delay;
    delaysMs.push(delay);
    await clock.sleep(delay);
  }
}
