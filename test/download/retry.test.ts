import { describe, expect, it } from 'vitest';
import { type Attempt, backoffDelay, isRetryableStatus, parseRetryAfter, withRetries } from '#core/retry.ts';
import { fakeClock } from '#test/support/fake-clock.ts';

const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1000 };

function recordingClock(random = () => 0.5) {
  const slept: number[] = [];
  return { slept, clock: { sleep: async (ms: number) => void slept.push(ms), random } };
}

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delta-seconds and HTTP-dates, clamping past dates to zero', () => {
    // Act + Assess
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unreadable values', () => {
    // Act + Assess
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('isRetryableStatus', () => {
  it('retries 429 and 5xx only', () => {
    // Act
    const verdicts = [200, 301, 400, 403, 404, 408, 429, 500, 503, 599].map(isRetryableStatus);
    // Assess
    expect(verdicts).toEqual([false, false, false, false, false, false, true, true, true, true]);
  });
});

describe('backoffDelay', () => {
  it('draws uniformly below a doubling ceiling capped at maxDelayMs', () => {
    // Act
    const top = [0, 1, 2, 3, 4, 10].map((i) => backoffDelay(i, policy, () => 0.999999));
    const bottom = backoffDelay(3, policy, () => 0);
    // Assess
    expect(top).toEqual([99, 199, 399, 799, 999, 999]);
    expect(bottom).toBe(0);
  });
});

describe('withRetries', () => {
  it('stops at the first final answer without sleeping', async () => {
    // Prepare
    const { slept, clock } = recordingClock();
    // Act
    const out = await withRetries(async () => ({ retry: false, value: 'done' }), policy, clock);
    // Assess
    expect(out).toEqual({ value: 'done', attempts: 1, delaysMs: [] });
    expect(slept).toEqual([]);
  });

  it('backs off with full jitter between attempts and gives up when retries are spent', async () => {
    // Prepare
    const { slept, clock } = recordingClock(() => 0.5);
    let calls = 0;
    // Act
    const out = await withRetries(
      async (): Promise<Attempt<number>> => ({ retry: true, value: ++calls }),
      policy,
      clock,
    );
    // Assess
    expect(out).toEqual({ value: 4, attempts: 4, delaysMs: [50, 100, 200], gaveUp: 'exhausted' });
    expect(slept).toEqual([50, 100, 200]);
  });

  it('waits exactly what Retry-After asks, and refuses to wait longer than the cap', async () => {
    // Prepare
    const { slept, clock } = recordingClock();
    const answers: Attempt<string>[] = [
      { retry: true, value: 'a', retryAfterMs: 700 },
      { retry: true, value: 'b', retryAfterMs: 5000 },
      { retry: false, value: 'never reached' },
    ];
    // Act
    const out = await withRetries(async (i) => answers[i] as Attempt<string>, policy, clock);
    // Assess
    expect(out).toEqual({ value: 'b', attempts: 2, delaysMs: [700], gaveUp: 'retry_after_too_long' });
    expect(slept).toEqual([700]);
  });

  it('never waits less than the backoff, even when Retry-After says zero or a past date', async () => {
    // Prepare
    const { slept, clock } = recordingClock(() => 0.5);
    const answers: Attempt<string>[] = [
      { retry: true, value: 'a', retryAfterMs: 0 },
      { retry: true, value: 'b', retryAfterMs: 0 },
      { retry: false, value: 'c' },
    ];
    // Act
    const out = await withRetries(async (i) => answers[i] as Attempt<string>, policy, clock);
    // Assess
    expect(out).toEqual({ value: 'c', attempts: 3, delaysMs: [50, 100] });
    expect(slept).toEqual([50, 100]);
  });

  it('gives up before the waits of one operation add up to more than maxTotalDelayMs', async () => {
    // Prepare
    const { slept, clock } = recordingClock();
    // Act
    const out = await withRetries(
      async () => ({ retry: true, value: 'busy', retryAfterMs: 400 }),
      { ...policy, retries: 10, maxTotalDelayMs: 1000 },
      clock,
    );
    // Assess
    expect(out).toEqual({ value: 'busy', attempts: 3, delaysMs: [400, 400], gaveUp: 'budget_spent' });
    expect(slept).toEqual([400, 400]);
  });

  it('gives up rather than wait past the deadline', async () => {
    // Prepare: 1 s left, the server asks for 400 ms each time
    const clock = fakeClock(5000);
    // Act
    const out = await withRetries(
      async () => ({ retry: true, value: 'busy', retryAfterMs: 400 }),
      { ...policy, retries: 10, deadline: 6000 },
      { ...clock, random: () => 0.5 },
    );
    // Assess
    expect(out).toEqual({ value: 'busy', attempts: 3, delaysMs: [400, 400], gaveUp: 'deadline' });
    expect(clock.now()).toBeLessThanOrEqual(6000);
  });

  it('tries exactly once when retries is zero', async () => {
    // Prepare
    const { clock } = recordingClock();
    let calls = 0;
    // Act
    const out = await withRetries(
      async () => ({ retry: true, value: ++calls }),
      { ...policy, retries: 0 },
      clock,
    );
    // Assess
    expect(out.attempts).toBe(1);
    expect(calls).toBe(1);
  });
});
