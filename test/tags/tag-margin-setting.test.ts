import { describe, expect, it } from 'vitest';
import { loadConfig, TAG_MARGIN_DEFAULT } from '#core/config.ts';

describe('THREADFINDER_TAG_MARGIN', () => {
  it('defaults to 0.01 and takes a decimal from 0 to 1', () => {
    expect(TAG_MARGIN_DEFAULT).toBe(0.01);
    expect(loadConfig({}).tagMargin).toBe(TAG_MARGIN_DEFAULT);
    expect(loadConfig({ THREADFINDER_TAG_MARGIN: '0.025' }).tagMargin).toBe(0.025);
    expect(loadConfig({ THREADFINDER_TAG_MARGIN: '0' }).tagMargin).toBe(0);
  });

  it.each(['', '-0.1', '1.5', 'high', '1e-2'])('refuses %j, naming the variable', (value) => {
    expect(() => loadConfig({ THREADFINDER_TAG_MARGIN: value })).toThrow(/THREADFINDER_TAG_MARGIN/);
  });
});
