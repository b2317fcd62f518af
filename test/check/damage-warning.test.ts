import { describe, expect, it } from 'vitest';
import { damageWarning, warnIfDamaged } from '#cli/store-damage.ts';
import type { StoreDamage } from '#core/ports/vector-store.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';

const damage: StoreDamage = {
  file: '/data/index/m/vectors.log',
  lines: [
    { line: 7, offset: 1200, bytes: 310, fault: 'checksum mismatch', kind: 'put', ids: ['p4', 'p5'] },
    { line: 9, offset: 2000, bytes: 12, fault: 'the log ends inside this line (no newline)', ids: [] },
  ],
  bytes: 322,
  productIds: ['p4', 'p5'],
};

describe('the CLI warning about a damaged index', () => {
  it('gives the counts, the file, each damaged line and what to do', () => {
    // Act
    const text = damageWarning(damage);
    // Assess
    expect(text).toContain(
      'WARNING: the index /data/index/m/vectors.log is damaged: 2 damaged line(s), 322 bytes, were skipped',
    );
    expect(text).toContain('2 product(s) may be missing from search or out of date: p4, p5');
    expect(text).toContain('line 7 at byte 1200 (310 bytes): checksum mismatch [put p4 p5]');
    expect(text).toContain('line 9 at byte 2000 (12 bytes): the log ends inside this line (no newline)\n');
    expect(text).toContain('Opened read-only: nothing was changed');
  });

  it('says where a writable open set the damage aside', () => {
    expect(damageWarning({ ...damage, setAsideTo: '/data/x.damaged-1' })).toContain(
      'set aside in /data/x.damaged-1; the log was rewritten without them',
    );
  });

  it('prints nothing for a store without damage', () => {
    // Prepare
    const printed: string[] = [];
    // Act
    const warned = warnIfDamaged(new MemoryVectorStore(), (t) => printed.push(t));
    // Assess
    expect(warned).toBe(false);
    expect(printed).toEqual([]);
  });
});
