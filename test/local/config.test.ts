import { describe, expect, it } from 'vitest';
import { loadConfig } from '#core/config.ts';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', models: 'real', batchSize: 8 });
    expect(config.background).toEqual([0x00, 0xb1, 0x40]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('refuses an empty or non-decimal number instead of reading it as 0 or 1000', () => {
    expect(() => loadConfig({ PORT: '' })).toThrow(/PORT: expected a whole number/);
    expect(() => loadConfig({ PORT: '1e3' })).toThrow(/PORT: expected a whole number/);
    expect(() => loadConfig({ THREADFINDER_BATCH_SIZE: '0' })).toThrow(/THREADFINDER_BATCH_SIZE/);
    expect(loadConfig({ PORT: ' 8080 ' }).port).toBe(8080);
  });

  it('names every bad variable at once', () => {
    expect(() =>
      loadConfig({ PORT: 'x', THREADFINDER_BACKGROUND: 'green', THREADFINDER_MODELS: 'fake' }),
    ).toThrow(/PORT[\s\S]*THREADFINDER_BACKGROUND|THREADFINDER_BACKGROUND[\s\S]*PORT/);
  });

  it('reads the background colour with or without #', () => {
    expect(loadConfig({ THREADFINDER_BACKGROUND: 'ff00aa' }).background).toEqual([255, 0, 170]);
  });
});
