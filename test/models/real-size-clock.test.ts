import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { graphOf, installModelClock } from '#bench/real-size/model-clock.ts';
import { writeStandInModels } from '#models/testing/stand-ins.ts';
import { tempDir } from './drawn-images.ts';

// The real-size bench splits an ingestion's time into the models' and the rest by timing every native run where
// it happens (bench/real-size/model-clock.ts); this checks that the clock sees the runs it should, and only those.

describe('the real-size bench model clock', () => {
  it('times each native run between start and stop, by graph, and learns the session pool threads', async () => {
    // Prepare: the clock first, then a session (its pool threads start as it loads)
    const clock = installModelClock();
    const { clothFile } = await writeStandInModels(await tempDir('model-clock'));
    const session = await InferenceSession.create(clothFile, { intraOpNumThreads: 2, interOpNumThreads: 1 });
    const feeds = (side: number) => ({
      'input.1': new Tensor('float32', new Float32Array(3 * side * side).fill(0.5), [1, 3, side, side]),
    });
    await session.run(feeds(64)); // before start: not counted

    // Act
    clock.start();
    for (const side of [256, 256, 128]) await session.run(feeds(side));
    const measured = clock.stop();
    await session.run(feeds(64)); // after stop: not counted
    clock.start();
    const idle = clock.stop();
    await session.release();

    // Assess
    expect(measured.byGraph).toEqual({
      segment: { runs: 3, items: 3, wallMs: expect.any(Number) },
    });
    expect(measured.byGraph.segment?.wallMs).toBeGreaterThan(0);
    expect(measured.recorded.map((r) => r.feeds['input.1']?.dims)).toEqual([
      [1, 3, 256, 256],
      [1, 3, 128, 128],
    ]);
    expect(idle.byGraph).toEqual({});
    if (clock.perThreadCpu) {
      expect(clock.poolThreads.size).toBeGreaterThan(0);
      expect(measured.cpu.models).toBeGreaterThan(0);
      expect(measured.cpu.outside).toBeCloseTo(measured.cpu.total - (measured.cpu.models ?? 0), 6);
    }
  });

  it('names the graphs by the real exports input names', () => {
    expect([
      graphOf({ 'input.1': undefined }),
      graphOf({ pixel_values: undefined }),
      graphOf({ input_ids: undefined, attention_mask: undefined }),
      graphOf({ x: undefined }),
    ]).toEqual(['segment', 'vision', 'text', 'x']);
  });
});
