import { describe, expect, it } from 'vitest';
import { loadConfig } from '#core/config.ts';

describe('THREADFINDER_DUPLICATE_THRESHOLD', () => {
  it('defaults to 0.98 and accepts a cosine above 0 up to 1', () => {
    expect(loadConfig({}).duplicateThreshold).toBe(0.98);
    expect(loadConfig({ THREADFINDER_DUPLICATE_THRESHOLD: '0.9' }).duplicateThreshold).toBe(0.9);
    expect(loadConfig({ THREADFINDER_DUPLICATE_THRESHOLD: '1' }).duplicateThreshold).toBe(1);
  });

  it.each(['0', '1.01', '-0.5', 'abc', '', '9e-1'])('refuses %j, naming the variable', (value) => {
    expect(() => loadConfig({ THREADFINDER_DUPLICATE_THRESHOLD: value })).toThrow(
      /THREADFINDER_DUPLICATE_THRESHOLD/,
    );
  });
});
