import { describe, expect, it } from 'vitest';
import type { Hit } from '#core/types.ts';
import { dot } from '#core/vectors.ts';
import { candidateCount, collapseNearDuplicates, MAX_CANDIDATES } from '#functions/search/collapse.ts';
import { at, cosDeg, record } from './fixtures.ts';

const hit = (id: string, angle: number): Hit => ({ record: record(id, angle), score: 0 });
const anchor = Float32Array.from(at(0));

describe('collapseNearDuplicates', () => {
  it('keeps candidates in order, skipping those too close to the anchor or to one already kept', () => {
    // Prepare
    const candidates = [hit('twin', 2), hit('b', 20), hit('b2', 22), hit('c', 40), hit('d', 60)];
    const threshold = cosDeg(5);

    // Act
    const kept = collapseNearDuplicates(anchor, candidates, 3, threshold);

    // Assess
    expect(kept.map((h) => h.record.id)).toEqual(['b', 'c', 'd']);
  });

  it('treats a cosine exactly at the threshold as a duplicate, and 1 as "only identical vectors"', () => {
    // Prepare
    const candidates = [hit('same', 0), hit('b', 20)];

    // Act
    const b = hit('b', 20);
    const atThreshold = collapseNearDuplicates(anchor, [b], 1, dot(anchor, b.record.vector));
    const identicalOnly = collapseNearDuplicates(anchor, candidates, 2, 1);

    // Assess
    expect(atThreshold).toEqual([]);
    expect(identicalOnly.map((h) => h.record.id)).toEqual(['b']);
  });

  it('returns fewer than k when the candidates run out', () => {
    // Act
    const kept = collapseNearDuplicates(anchor, [hit('b', 30)], 5, 0.98);

    // Assess
    expect(kept.map((h) => h.record.id)).toEqual(['b']);
  });
});

describe('candidateCount', () => {
  it('over-fetches for k and stays bounded', () => {
    expect(candidateCount(1)).toBe(8);
    expect(candidateCount(5)).toBe(20);
    expect(candidateCount(50)).toBe(155);
    expect(candidateCount(10_000)).toBe(MAX_CANDIDATES);
  });
});
