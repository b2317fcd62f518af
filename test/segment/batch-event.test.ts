import { describe, expect, it } from 'vitest';
import { parseBatchEvent } from '#core/contracts/batch-schema.ts';

const item = { id: 'p', metadata: {}, images: [{ url: 'https://x.example/a.jpg', status: 'pending' }] };

describe('parseBatchEvent', () => {
  it.each(['a/b', '../x', 'a\u0000', '', '.hidden', 'x'.repeat(129)])(
    'refuses the run id %j as prepare does: it becomes a key segment',
    (runId) => {
      // Act and assess: a Batch and the Distributed Map's shape alike
      expect(() => parseBatchEvent({ runId, items: [item] })).toThrow(/runId/);
      expect(() => parseBatchEvent({ Items: [item], BatchInput: { runId } })).toThrow(/runId/);
    },
  );

  it('accepts a run id as prepare makes them', () => {
    expect(parseBatchEvent({ runId: 'run-20261206T220920-182e54', items: [item] }).runId).toBe(
      'run-20261206T220920-182e54',
    );
  });
});
