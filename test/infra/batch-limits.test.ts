import { describe, expect, it } from 'vitest';
import { CATALOG_LIMITS } from '#core/catalog/index.ts';
import { MAX_INPUT_BYTES_PER_BATCH } from '#infra/ingest-workflow.ts';

describe('catalog and batch limits', () => {
  it('lets the biggest product the catalog accepts fit a batch alone, with room for what the stages add', () => {
    // A product over the batch's input cap fails the whole Distributed Map (States.ItemReaderFailed).
    expect(CATALOG_LIMITS.maxProductBytes * 2).toBeLessThanOrEqual(MAX_INPUT_BYTES_PER_BATCH);
  });
});
