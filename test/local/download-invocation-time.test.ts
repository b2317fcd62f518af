import { describe, expect, it } from 'vitest';
import { loadConfig } from '#core/config.ts';
import { downloadInvocationMs } from '#local/stage-handlers.ts';

describe('the time a local download invocation has', () => {
  it('is 2 min, or the request timeout plus 90 s when that is longer, so that it can always wait and retry', () => {
    // Act
    const usual = downloadInvocationMs(loadConfig({ THREADFINDER_DATA_DIR: '/tmp/tf-unused' }));
    const long = downloadInvocationMs(
      loadConfig({ THREADFINDER_DATA_DIR: '/tmp/tf-unused', THREADFINDER_DOWNLOAD_TIMEOUT_MS: '600000' }),
    );
    // Assess: the handler keeps the timeout and 30 s for after its last wait, so 60 s are left to wait in
    expect(usual).toBe(120_000);
    expect(long).toBe(690_000);
  });
});
