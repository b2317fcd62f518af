import { describe, expect, it } from 'vitest';
import { HostPacer, PACING } from '#core/host-pacer.ts';
import { fakeClock } from '#test/support/fake-clock.ts';

const H = 'cdn.test';

/** Starts `n` requests to H one after another, `apartMs` apart unless the pacer spaces them more. */
async function startMany(pacer: HostPacer, clock: ReturnType<typeof fakeClock>, n: number, apartMs = 0) {
  const at: number[] = [];
  for (let i = 0; i < n; i++) {
    await pacer.start(H);
    at.push(clock.now());
    clock.advance(apartMs);
  }
  return at;
}

function setup() {
  const clock = fakeClock(0);
  return { clock, pacer: new HostPacer(clock.now, clock.sleep) };
}

describe('HostPacer', () => {
  it('does not pace a host that never throttled us', async () => {
    // Prepare
    const { clock, pacer } = setup();
    // Act
    await startMany(pacer, clock, 200);
    // Assess
    expect(clock.slept).toEqual([]);
    expect(pacer.rate(H)).toBeUndefined();
  });

  it('after a throttle, spaces requests at 0.7 of the rate that was throttled, one cut per burst', async () => {
    // Prepare: 40 requests a second for a second, then a burst of 429s
    const { clock, pacer } = setup();
    await startMany(pacer, clock, 40, 25);
    // Act
    for (let i = 0; i < 4; i++) pacer.slowDown(H);
    const at = await startMany(pacer, clock, 5);
    // Assess: the 39 starts of the last second span 975 ms, 40 a second; cut to 28 a second, 35.7 ms apart
    const rate = 40 * PACING.cut;
    expect(pacer.rate(H)).toBeCloseTo(rate, 10);
    for (const [i, t] of at.slice(1).entries()) expect(t - (at[i] as number)).toBeCloseTo(1000 / rate, 6);
  });

  it('measures a short burst over its own span, not over the whole window', async () => {
    // Prepare: 10 requests within 50 ms (4 at once against a fast host), then a 429
    const { clock, pacer } = setup();
    await startMany(pacer, clock, 10, 5);
    // Act
    pacer.slowDown(H);
    // Assess: taken to span at least 250 ms: 40 a second, cut to 28
    expect(pacer.rate(H)).toBeCloseTo(10 * 4 * PACING.cut, 10);
  });

  it('cuts again on a throttle after the hold, never below one request every 2 s', async () => {
    // Prepare
    const { clock, pacer } = setup();
    await startMany(pacer, clock, 2, 500);
    pacer.slowDown(H);
    const first = pacer.rate(H);
    // Act: throttled again each time the hold ends, with nothing started meanwhile (late answers)
    const rates: number[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(PACING.holdMs);
      pacer.slowDown(H);
      rates.push(pacer.rate(H) as number);
    }
    // Assess
    expect(first).toBeCloseTo(2 * PACING.cut, 10);
    expect(rates.map((r) => Number(r.toFixed(3)))).toEqual([0.98, 0.686, 0.5, 0.5, 0.5, 0.5]);
  });

  it('climbs back by a fifth of its rate each second while the host serves, and stops pacing at the top', async () => {
    // Prepare: paced at 10 a second
    const { clock, pacer } = setup();
    await startMany(pacer, clock, 4, 100);
    pacer.slowDown(H);
    const cut = pacer.rate(H) as number;
    // Act: one second of serving at that pace, then serving until it is no longer paced
    for (let i = 0; i < Math.round(cut); i++) pacer.speedUp(H);
    const afterASecond = pacer.rate(H) as number;
    let served = 0;
    while (pacer.rate(H) !== undefined && served < 100_000) {
      pacer.speedUp(H);
      served++;
    }
    // Assess
    expect(afterASecond / cut).toBeCloseTo(1.2, 1);
    expect(Math.abs(served - (PACING.unpacedRate - afterASecond) / PACING.climbPerServed)).toBeLessThan(2);
  });

  it('forgets a host asked nothing for 5 minutes: it starts unpaced again (a new run in a warm Lambda)', async () => {
    // Prepare
    const { clock, pacer } = setup();
    await startMany(pacer, clock, 10, 10);
    pacer.slowDown(H);
    const paced = pacer.rate(H);
    // Act
    clock.advance(PACING.forgetAfterMs + 1);
    await pacer.start('other.test');
    // Assess
    expect(paced).toBeDefined();
    expect(pacer.rate(H)).toBeUndefined();
  });

  it('paces each host on its own', async () => {
    // Prepare
    const { clock, pacer } = setup();
    await startMany(pacer, clock, 10, 10);
    // Act
    pacer.slowDown(H);
    for (let i = 0; i < 50; i++) await pacer.start('other.test');
    // Assess
    expect(pacer.rate(H)).toBeDefined();
    expect(pacer.rate('other.test')).toBeUndefined();
    expect(clock.slept).toEqual([]);
  });
});
