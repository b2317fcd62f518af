import { describe, expect, it } from 'vitest';
import { HostBreaker } from '../../functions/download/host-breaker.ts';

const fault = {
  reason: 'timeout' as const,
  detail: 'timed out after 400 ms fetching http://a.example/1.jpg',
};

describe('HostBreaker', () => {
  it('opens after `limit` host faults in a row, for that host only', () => {
    // Prepare
    const breaker = new HostBreaker(3, 60_000, () => 0);
    // Act
    for (let i = 0; i < 3; i++) breaker.record('a.example', fault);
    // Assess
    expect(breaker.check('a.example')).toEqual({
      reason: 'timeout',
      detail:
        'not tried: the last 3 requests to a.example failed in a row (last: timed out after 400 ms fetching ' +
        'http://a.example/1.jpg); the host gets another chance after 60 s',
    });
    expect(breaker.check('b.example')).toBeUndefined();
  });

  it('stays closed when any other answer comes between the faults', () => {
    // Prepare
    const breaker = new HostBreaker(3, 60_000, () => 0);
    // Act
    breaker.record('a.example', fault);
    breaker.record('a.example', fault);
    breaker.record('a.example', undefined);
    breaker.record('a.example', fault);
    breaker.record('a.example', fault);
    // Assess
    expect(breaker.check('a.example')).toBeUndefined();
  });

  it('lets the host try again after the cooldown, and re-opens on the next fault', () => {
    // Prepare
    let now = 0;
    const breaker = new HostBreaker(2, 1000, () => now);
    breaker.record('a.example', fault);
    breaker.record('a.example', fault);
    // Act
    now = 999;
    const during = breaker.check('a.example');
    now = 1000;
    const after = breaker.check('a.example');
    breaker.record('a.example', fault);
    const again = breaker.check('a.example');
    // Assess
    expect(during?.reason).toBe('timeout');
    expect(after).toBeUndefined();
    expect(again?.reason).toBe('timeout');
  });
});
