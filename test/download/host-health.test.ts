import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '#core/retry.ts';
import { HostHealth, type HostSignal, REFUND_PER_SERVED_MS } from '#functions/download/host-health.ts';
import { fakeClock } from '#test/support/fake-clock.ts';

const H = 'cdn.test:443';
const FAULT: HostSignal = { kind: 'fault', reason: 'http_error', detail: 'HTTP 503 from https://cdn.test/x' };
const OK: HostSignal = { kind: 'ok' };
const SETTINGS = { cooldownMs: 1000, maxCooldownMs: 4000, maxPauseMs: 5000, budgetMs: 10_000 };

function setup(settings = SETTINGS) {
  const clock = fakeClock(1_000_000);
  const events: string[] = [];
  const health = new HostHealth(settings, clock.now, clock.sleep, (e) =>
    events.push(e.why === undefined ? 'resumed' : e.until === undefined ? 'unavailable' : 'paused'),
  );
  return { clock, health, events };
}

describe('HostHealth', () => {
  it('counts the retries of one URL as one: two URLs failing for ever never pause a host with healthy ones', () => {
    // Prepare
    const { health } = setup();
    // Act: 200 healthy URLs, and two broken ones retried 5 times each, interleaved
    for (let i = 0; i < 200; i++) {
      health.record(H, `https://cdn.test/${i}.jpg`, OK, false);
      if (i % 40 === 0) {
        for (let retry = 0; retry < 5; retry++) {
          expect(health.record(H, 'https://cdn.test/broken-a', FAULT, false)).toBe(false);
          expect(health.record(H, 'https://cdn.test/broken-b', FAULT, false)).toBe(false);
        }
      }
    }
    // Assess
    expect(health.report()).toEqual([]);
  });

  it('opens only when most recent URLs failed, and at least 5 distinct ones', async () => {
    // Prepare
    const { health } = setup();
    for (let i = 0; i < 10; i++) health.record(H, `https://cdn.test/ok-${i}`, OK, false);
    // Act: 9 distinct failures among 19 URLs: not most of them
    for (let i = 0; i < 9; i++) health.record(H, `https://cdn.test/bad-${i}`, FAULT, false);
    const before = await health.admit(H, 'https://cdn.test/next');
    // the 10th and 11th: 11 of the last 20 failed
    health.record(H, 'https://cdn.test/bad-9', FAULT, false);
    const paused = health.record(H, 'https://cdn.test/bad-10', FAULT, false);
    // Assess
    expect(before).toEqual({ kind: 'go', probe: false });
    expect(paused).toBe(true);
    expect(health.report()[0]?.reasons).toEqual([
      '11 of its last 20 URLs failed (last: HTTP 503 from https://cdn.test/x)',
    ]);
  });

  it('holds images while paused, lets one probe through after the pause, and resumes when it answers', async () => {
    // Prepare: five distinct failures pause the host for 1 s
    const { clock, health, events } = setup();
    for (let i = 0; i < 5; i++) health.record(H, `https://cdn.test/bad-${i}`, FAULT, false);
    const start = clock.now();
    // Act
    const first = await health.admit(H, 'https://cdn.test/a');
    const waited = clock.now() - start;
    const whileProbing = health.admit(H, 'https://cdn.test/b');
    let released = false;
    void whileProbing.then(() => {
      released = true;
    });
    await Promise.resolve();
    const heldDuringProbe = !released;
    health.record(H, 'https://cdn.test/a', OK, true);
    // Assess
    expect(first).toEqual({ kind: 'go', probe: true });
    expect(waited).toBe(1000);
    expect(heldDuringProbe).toBe(true);
    expect(await whileProbing).toEqual({ kind: 'go', probe: false });
    expect(events).toEqual(['paused', 'resumed']);
  });

  it('doubles the pause after each failed probe, up to the cap', async () => {
    // Prepare
    const { clock, health } = setup();
    for (let i = 0; i < 5; i++) health.record(H, `https://cdn.test/bad-${i}`, FAULT, false);
    const pauses: number[] = [];
    // Act: three probes by fresh URLs fail
    for (let i = 0; i < 4; i++) {
      const from = clock.now();
      const admission = await health.admit(H, `https://cdn.test/fresh-${i}`);
      pauses.push(clock.now() - from);
      expect(admission).toEqual({ kind: 'go', probe: true });
      health.record(H, `https://cdn.test/fresh-${i}`, FAULT, true);
    }
    // Assess
    expect(pauses).toEqual([1000, 2000, 4000, 3000]);
    expect(health.report()[0]).toMatchObject({ pausedMs: 10_000, pauses: 4 });
  });

  it('pauses for a 429 Retry-After without a strike, capped, and answers host_unavailable once the budget is spent', async () => {
    // Prepare
    const { clock, health, events } = setup();
    // Act: a Retry-After of 1 h is capped at 5 s; the second one takes the rest of the 10 s budget
    const blamed = health.record(
      H,
      'https://cdn.test/a',
      { kind: 'throttled', retryAfterMs: 3_600_000, detail: 'HTTP 429' },
      false,
    );
    const from = clock.now();
    const probe = await health.admit(H, 'https://cdn.test/b');
    const waited = clock.now() - from;
    health.record(
      H,
      'https://cdn.test/b',
      { kind: 'throttled', retryAfterMs: 3_600_000, detail: 'HTTP 429' },
      true,
    );
    await health.admit(H, 'https://cdn.test/c');
    health.record(
      H,
      'https://cdn.test/c',
      { kind: 'throttled', retryAfterMs: 1000, detail: 'HTTP 429' },
      true,
    );
    const last = await health.admit(H, 'https://cdn.test/d');
    // Assess
    expect(blamed).toBe(false); // one throttled URL: its own retry is spent
    expect(probe).toEqual({ kind: 'go', probe: true });
    expect(waited).toBe(5000);
    expect(last).toEqual({
      kind: 'unavailable',
      detail:
        "cdn.test:443 was paused 10 s in all (2 pauses; last: HTTP 429 with Retry-After 1 s); the run's budget of 10 s per host is spent",
    });
    expect(events).toEqual(['paused', 'paused', 'unavailable']);
  });

  it('lets every URL of a host that throttles them all wait, even with a Retry-After over the cap', () => {
    // Prepare
    const { health } = setup();
    const long = { kind: 'throttled', retryAfterMs: 120_000, detail: 'HTTP 429' } as const;
    // Act: the first URL asks for more than we ever pause; then a second and a third are throttled too
    const blamed = ['a', 'b', 'c'].map((u) => health.record(H, `https://cdn.test/${u}`, long, false));
    // Assess: the first is its own (it fails at once); from the second on the host throttles as a whole
    expect(blamed).toEqual([false, true, true]);
  });

  it('never spends the budget on a CDN that throttles every few images but serves in between', async () => {
    // Prepare: 40 rounds of 1 s throttle pauses (4x the 10 s budget), three images served after each
    const { clock, health } = setup();
    const admissions: string[] = [];
    // Act
    for (let round = 0; round < 40; round++) {
      const url = `https://cdn.test/burst-${round}`;
      health.record(H, url, { kind: 'throttled', retryAfterMs: 1000, detail: 'HTTP 429' }, false);
      for (let i = 0; i < 3; i++) {
        const admission = await health.admit(H, `${url}-${i}`);
        admissions.push(admission.kind);
        health.record(H, `${url}-${i}`, OK, admission.kind === 'go' && admission.probe);
      }
    }
    const report = health.report()[0];
    // Assess
    expect(admissions.every((kind) => kind === 'go')).toBe(true);
    expect(clock.now() - 1_000_000).toBeGreaterThanOrEqual(40_000);
    expect([report?.pausedMs, report?.chargedMs, report?.gaveUp]).toEqual([40_000, 0, undefined]);
  });

  it('still gives up on a host that only ever throttles, and charges breaker pauses until it serves 5 images', async () => {
    // Prepare
    const throttler = setup();
    const failing = setup();
    // Act: 429s and nothing served; a host failing 15 URLs in each 19 or 20 (a breaker pause each round), with
    // fewer than 5 images served after each pause, or 5
    const lastAdmission = async (
      { health }: ReturnType<typeof setup>,
      signal: HostSignal,
      served: number,
    ) => {
      let admission = await health.admit(H, 'https://cdn.test/first');
      for (let round = 0; round < 30 && admission.kind === 'go'; round++) {
        for (let i = 0; i < 15; i++) health.record(H, `https://cdn.test/${round}-bad-${i}`, signal, false);
        for (let i = 0; i < served; i++) {
          admission = await health.admit(H, `https://cdn.test/${round}-ok-${i}`);
          if (admission.kind !== 'go') break;
          health.record(H, `https://cdn.test/${round}-ok-${i}`, OK, admission.probe);
        }
        if (admission.kind === 'go') admission = await health.admit(H, `https://cdn.test/${round}-next`);
      }
      return admission.kind;
    };
    const throttled = { kind: 'throttled', retryAfterMs: 1000, detail: 'HTTP 429' } as const;
    const kinds = [
      await lastAdmission(throttler, throttled, 0),
      await lastAdmission(failing, FAULT, 4),
      await lastAdmission(setup(), FAULT, 5),
    ];
    // Assess
    expect(kinds).toEqual(['unavailable', 'unavailable', 'go']);
  });

  it('bounds a host that serves one image per long pause: each image gives back at most 10 s of it', async () => {
    // Prepare: 30 s throttle pauses, one image served after each; a 1 min budget
    const { health } = setup({ ...SETTINGS, maxPauseMs: 60_000, budgetMs: 60_000 });
    const throttled = { kind: 'throttled', retryAfterMs: 30_000, detail: 'HTTP 429' } as const;
    // Act
    for (let round = 0; round < 10; round++) {
      health.record(H, `https://cdn.test/t-${round}`, throttled, false);
      const admission = await health.admit(H, `https://cdn.test/ok-${round}`);
      if (admission.kind === 'go') health.record(H, `https://cdn.test/ok-${round}`, OK, admission.probe);
    }
    const report = health.report()[0];
    // Assess: 10 pauses of 30 s would be 300 s; the budget and 10 s for each image served before the last
    // pause hold them to 150 s (the tenth image's 10 s is given back after it)
    expect(report?.pausedMs).toBe(60_000 + 9 * REFUND_PER_SERVED_MS);
    expect(report?.chargedMs).toBe(60_000 - REFUND_PER_SERVED_MS);
  });

  it('gives back in a later pass, in another process, a pause the earlier pass still owed', async () => {
    // Prepare: a pass throttled (5 s) hands its images on before the host served any
    const first = setup();
    first.health.record(
      H,
      'https://cdn.test/a',
      { kind: 'throttled', retryAfterMs: 5000, detail: 'HTTP 429' },
      false,
    );
    const handedOn = first.health.report();
    // Act: a fresh HostHealth (a cold Lambda) takes the report over, and the host serves
    const next = setup();
    next.clock.advance(6000);
    next.health.restore(handedOn);
    const admission = await next.health.admit(H, 'https://cdn.test/b');
    next.health.record(H, 'https://cdn.test/b', OK, admission.kind === 'go' && admission.probe);
    // Assess
    expect(handedOn[0]?.owedMs).toEqual({ throttled: 5000, failing: 0 });
    expect(next.health.report()[0]).toMatchObject({ pausedMs: 5000, chargedMs: 0 });
  });

  it('lists a reason once when only the failure it quotes differs', async () => {
    // Prepare
    const { health } = setup();
    // Act: the breaker trips twice on 5 distinct failures, each quoting another URL
    for (const round of [0, 1]) {
      for (let i = 0; i < 5; i++) {
        const url = `https://cdn.test/r${round}-${i}`;
        health.record(H, url, { ...FAULT, detail: `HTTP 503 from ${url}` }, false);
      }
      const probe = await health.admit(H, `https://cdn.test/probe-${round}`);
      health.record(H, `https://cdn.test/probe-${round}`, OK, probe.kind === 'go' && probe.probe);
    }
    // Assess
    expect(health.report()[0]?.reasons).toEqual([
      '5 of its last 6 URLs failed (last: HTTP 503 from https://cdn.test/r1-4)',
    ]);
  });

  it('defers an image whose host stays paused past the deadline, and takes over an earlier pass', async () => {
    // Prepare
    const { clock, health } = setup();
    for (let i = 0; i < 5; i++) health.record(H, `https://cdn.test/bad-${i}`, FAULT, false);
    const t0 = clock.now();
    // Act
    const deferred = await health.admit(H, 'https://cdn.test/a', t0 + 500);
    const report = health.report();
    const next = new HostHealth(SETTINGS, clock.now, clock.sleep);
    next.restore(report);
    const from = clock.now();
    const later = await next.admit(H, 'https://cdn.test/a');
    // Assess
    expect(deferred).toEqual({ kind: 'deferred', until: t0 + 1000 });
    expect(report[0]).toMatchObject({ host: H, pausedMs: 1000, pauses: 1 });
    expect(later).toEqual({ kind: 'go', probe: true });
    expect(clock.now() - from).toBe(1000);
  });

  it('a failed probe by a URL that failed before resumes the host: its failure is its own', async () => {
    // Prepare
    const { health } = setup();
    for (let i = 0; i < 5; i++) health.record(H, `https://cdn.test/bad-${i}`, FAULT, false);
    // Act: no fresh URL is waiting, so bad-0 probes after its grace period
    const admission = await health.admit(H, 'https://cdn.test/bad-0');
    const blamed = health.record(H, 'https://cdn.test/bad-0', FAULT, true);
    // Assess
    expect(admission).toEqual({ kind: 'go', probe: true });
    expect(blamed).toBe(false);
    expect(await health.admit(H, 'https://cdn.test/fresh')).toEqual({ kind: 'go', probe: false });
  });
});

describe('HostHealth reports', () => {
  const HUGE: HostSignal = {
    kind: 'throttled',
    retryAfterMs: parseRetryAfter('99999999999999999999', 0) ?? 0,
    detail: 'HTTP 429',
  };

  it('counts only the pause time that ran when the batch ends before the pause does', () => {
    // Prepare: an absurd Retry-After pauses the host for the longest pause, 5 s
    const { clock, health } = setup();
    health.record(H, 'https://cdn.test/a', HUGE, false);
    // Act: the batch ends 2 s later
    clock.advance(2000);
    const handedOn = health.report();
    const ended = health.report([H], { ended: true });
    // Assess
    expect(handedOn[0]).toMatchObject({ pausedMs: 5000, pausedUntil: 1_005_000 });
    expect(ended).toEqual([
      {
        host: H,
        pausedMs: 2000,
        pauses: 1,
        reasons: ['HTTP 429 with Retry-After over 1 day (we pause 5 s at most)'],
      },
    ]);
  });

  it('says how much of its pauses ran when the budget is spent while a pause still runs', async () => {
    // Prepare: a 5 s pause takes the whole budget
    const { clock, health } = setup({ ...SETTINGS, budgetMs: 5000 });
    health.record(H, 'https://cdn.test/a', HUGE, false);
    clock.advance(1000);
    // Act: another URL's 429 asks for more
    health.record(H, 'https://cdn.test/b', HUGE, false);
    const admission = await health.admit(H, 'https://cdn.test/c');
    // Assess
    expect(admission).toEqual({
      kind: 'unavailable',
      detail:
        'cdn.test:443 was paused 1 s in all, with 4 s of its last pause still to run (1 pause; last: HTTP 429 ' +
        "with Retry-After over 1 day (we pause 5 s at most)); the run's budget of 5 s per host is spent",
    });
    expect(health.report([H], { ended: true })[0]).toMatchObject({ pausedMs: 1000, gaveUp: true });
  });
});

describe('HostHealth probes', () => {
  it('resumes the host when the probe hits a URL that is throttled on its own, instead of holding every image', async () => {
    // Prepare: one URL's first 429 pauses the host; nothing else fails
    const { health } = setup();
    for (let i = 0; i < 10; i++) health.record(H, `https://cdn.test/ok-${i}`, OK, false);
    const throttled: HostSignal = { kind: 'throttled', retryAfterMs: 1000, detail: 'HTTP 429' };
    health.record(H, 'https://cdn.test/limited', throttled, false);
    // Act: the same URL probes and is throttled again
    const probe = await health.admit(H, 'https://cdn.test/limited');
    health.record(H, 'https://cdn.test/limited', throttled, true);
    const next = await Promise.race([
      health.admit(H, 'https://cdn.test/fresh'),
      new Promise((resolve) => setTimeout(() => resolve('held'), 200)),
    ]);
    // Assess
    expect(probe).toEqual({ kind: 'go', probe: true });
    expect(next).toEqual({ kind: 'go', probe: false });
  });
});
