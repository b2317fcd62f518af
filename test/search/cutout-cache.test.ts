import { describe, expect, it } from 'vitest';
import { CutoutCache } from '#functions/search/cutout-cache.ts';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('CutoutCache', () => {
  it('makes a cut-out once: later requests, and requests while it is being made, share it', async () => {
    // Prepare
    const cache = new CutoutCache(1000, 2);
    let made = 0;
    const make = async () => {
      made++;
      await new Promise((r) => setTimeout(r, 5));
      return bytes(10);
    };
    // Act
    const together = await Promise.all([cache.get('"a"', make), cache.get('"a"', make)]);
    const later = await cache.get('"a"', make);
    // Assess
    expect(made).toBe(1);
    expect(together[0]).toBe(together[1]);
    expect(later).toBe(together[0]);
  });

  it('keeps the most recently used within its byte budget', async () => {
    // Prepare
    const cache = new CutoutCache(100, 2);
    const made: string[] = [];
    const make = (tag: string) => async () => {
      made.push(tag);
      return bytes(12);
    };
    // Act: 8 x 12 bytes fit in 100; a is used again before i pushes the oldest out, which is then b.
    for (const tag of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) await cache.get(tag, make(tag));
    await cache.get('a', make('a'));
    await cache.get('i', make('i'));
    await cache.get('a', make('a'));
    await cache.get('b', make('b'));
    // Assess
    expect(made).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'b']);
    expect(cache.size.bytes).toBeLessThanOrEqual(100);
  });

  it('does not keep a failure, nor anything over an eighth of its budget', async () => {
    // Prepare
    const cache = new CutoutCache(80, 2);
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('blob gone');
    };
    // Act
    await expect(cache.get('x', failing)).rejects.toThrow('blob gone');
    await expect(cache.get('x', failing)).rejects.toThrow('blob gone');
    await cache.get('big', async () => bytes(11));
    // Assess
    expect(calls).toBe(2);
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('makes at most its limit at once; the rest wait their turn and all finish', async () => {
    // Prepare
    const cache = new CutoutCache(10_000, 3);
    let running = 0;
    let most = 0;
    const make = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      return bytes(1);
    };
    // Act
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => cache.get(String(i), make)));
    // Assess
    expect(all).toHaveLength(20);
    expect(most).toBe(3);
  });
});
