import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressReporter } from '#cli/progress.ts';

function reporter() {
  const out = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
  return new ProgressReporter({ products: 10, images: 30 }, out, 60_000);
}

describe('the progress line', () => {
  it('shows a paused host while its images wait, with why and for how long, and drops it when it resumes', () => {
    // Prepare
    const progress = reporter();
    // Act
    progress.hostPaused({
      host: 'cdn.test:443',
      until: Date.now() + 42_000,
      why: 'HTTP 429 with Retry-After 42 s',
    });
    const paused = progress.line();
    progress.hostPaused({ host: 'cdn.test:443' });
    const resumed = progress.line();
    // Assess
    expect(paused).toMatch(/\| host cdn\.test:443 paused for 4[12]s \(HTTP 429 with Retry-After 42 s\)$/);
    expect(resumed).not.toMatch(/paused/);
  });

  it('counts images that failed only because the pause budget ran out under their own reason', () => {
    // Prepare
    const progress = reporter();
    // Act
    progress.fail('host_unavailable');
    progress.fail('host_unavailable');
    // Assess
    expect(progress.line()).toMatch(/images 0 ok, 2 failed \(host_unavailable 2\)/);
  });

  it('shows the pace a throttling host is held to, under a pause while one runs, and drops it once unpaced', () => {
    // Prepare
    const progress = reporter();
    // Act
    progress.hostPaused({ host: 'cdn.test', pacedTo: 3.5 });
    const paced = progress.line();
    progress.hostPaused({ host: 'cdn.test', until: Date.now() + 1000, why: 'HTTP 429 without Retry-After' });
    const pausedToo = progress.line();
    progress.hostPaused({ host: 'cdn.test' });
    progress.hostPaused({ host: 'cdn.test', pacedTo: Number.POSITIVE_INFINITY });
    const unpaced = progress.line();
    // Assess
    expect(paced).toMatch(/\| host cdn\.test paced to 3\.5 req\/s \(it throttled us\)$/);
    expect(pausedToo).toMatch(/host cdn\.test paused/);
    expect(pausedToo).not.toMatch(/paced/);
    expect(unpaced).not.toMatch(/paced|paused/);
  });
});
