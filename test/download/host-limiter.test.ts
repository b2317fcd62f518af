import { describe, expect, it } from 'vitest';
import { HostLimiter } from '#core/host-limiter.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('HostLimiter', () => {
  it('never runs more than perKey tasks of one key, while other keys proceed', async () => {
    // Prepare
    const limiter = new HostLimiter(2);
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    const task = (key: string) =>
      limiter.run(key, async () => {
        running.set(key, (running.get(key) ?? 0) + 1);
        peak.set(key, Math.max(peak.get(key) ?? 0, running.get(key) ?? 0));
        await tick();
        running.set(key, (running.get(key) ?? 0) - 1);
        return key;
      });
    // Act
    const results = await Promise.all([...Array(10)].map((_, i) => task(i % 3 === 0 ? 'b' : 'a')));
    // Assess
    expect(results).toHaveLength(10);
    expect(peak.get('a')).toBe(2);
    expect(peak.get('b')).toBe(2);
    expect(limiter.active('a')).toBe(0);
  });

  it('frees the slot when a task throws, and serves waiters first come first served', async () => {
    // Prepare
    const limiter = new HostLimiter(1);
    const order: number[] = [];
    // Act
    const failing = limiter.run('h', async () => {
      await tick();
      throw new Error('boom');
    });
    const later = [1, 2, 3].map((n) => limiter.run('h', async () => void order.push(n)));
    // Assess
    await expect(failing).rejects.toThrow('boom');
    await Promise.all(later);
    expect(order).toEqual([1, 2, 3]);
    expect(limiter.active('h')).toBe(0);
  });

  it('rejects a non-positive limit', () => {
    // Act + Assess
    expect(() => new HostLimiter(0)).toThrow(/positive integer/);
  });
});
