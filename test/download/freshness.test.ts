import { describe, expect, it } from 'vitest';
import { freshUntil, MAX_FRESHNESS_MS } from '#functions/download/freshness.ts';

const NOW = Date.parse('2025-03-01T10:00:00Z');
const HOUR = 3600_000;
const httpDate = (ms: number) => new Date(ms).toUTCString();

describe('freshUntil', () => {
  it.each([
    ['max-age', { 'cache-control': 'public, max-age=3600' }, NOW + HOUR],
    ['quoted max-age', { 'cache-control': 'max-age="60"' }, NOW + 60_000],
    ['upper-case directive', { 'cache-control': 'Max-Age=60' }, NOW + 60_000],
    ['max-age less Age', { 'cache-control': 'max-age=3600', age: '600' }, NOW + 3000_000],
    [
      'max-age over Expires',
      { 'cache-control': 'max-age=60', expires: httpDate(NOW + 5 * HOUR) },
      NOW + 60_000,
    ],
    ['the first of two max-age', { 'cache-control': 'max-age=60, max-age=99999' }, NOW + 60_000],
    ['Expires less Date', { expires: httpDate(NOW + 3 * HOUR), date: httpDate(NOW + 2 * HOUR) }, NOW + HOUR],
    ['Expires without Date', { expires: httpDate(NOW + HOUR) }, NOW + HOUR],
    ['a year, capped', { 'cache-control': 'max-age=31536000, immutable' }, NOW + MAX_FRESHNESS_MS],
  ])('%s', (_, headers, want) => {
    // Act
    const until = freshUntil(headers, NOW);
    // Assess
    expect(until).toBe(want);
  });

  it.each([
    ['no headers', {}],
    ['no-cache', { 'cache-control': 'no-cache, max-age=3600' }],
    ['no-store', { 'cache-control': 'max-age=3600, no-store' }],
    ['max-age=0', { 'cache-control': 'max-age=0' }],
    ['Age past max-age', { 'cache-control': 'max-age=60', age: '61' }],
    ['negative max-age', { 'cache-control': 'max-age=-1' }],
    ['unreadable max-age', { 'cache-control': 'max-age=soon' }],
    ['Expires 0', { expires: '0' }],
    ['Expires in the past', { expires: httpDate(NOW - HOUR) }],
    ['Expires of garbage', { expires: 'next tuesday' }],
  ])('%s: revalidate before reuse', (_, headers) => {
    // Act
    const until = freshUntil(headers, NOW);
    // Assess
    expect(until).toBeUndefined();
  });

  it('takes a smaller cap when asked', () => {
    // Act
    const until = freshUntil({ 'cache-control': 'max-age=3600' }, NOW, 60_000);
    // Assess
    expect(until).toBe(NOW + 60_000);
  });
});
