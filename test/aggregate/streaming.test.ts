import { describe, expect, it } from 'vitest';
import type { ProductRecord } from '#core/types.ts';
import { runAggregate } from '#functions/aggregate/run-aggregate.ts';
import type { BatchSource } from '#functions/aggregate/types.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';
import { batch, embeddedProduct, MODEL } from './fixtures.ts';

/** A memory store that reports each upsert once it has completed. */
class ObservedStore extends MemoryVectorStore {
  constructor(private readonly onUpserted: (ids: string[]) => void) {
    super();
  }

  override async upsert(records: ProductRecord[]): Promise<void> {
    await super.upsert(records);
    this.onUpserted(records.map((r) => r.id));
  }
}

/** A lazy source of `count` one-product batches that counts how many have been read and not yet stored. */
function countingSource(count: number) {
  const events: string[] = [];
  let held = 0;
  let maxHeld = 0;
  async function* batches(): AsyncGenerator<BatchSource> {
    for (let i = 0; i < count; i++) {
      events.push(`yield ${i}`);
      yield {
        key: `b${i}`,
        read: async () => {
          held++;
          maxHeld = Math.max(maxHeld, held);
          const vectors = [{ vector: [1, i, 0, 0] }, { vector: [0, 1, i, 0] }, { vector: [0, 0, 1, i] }];
          return batch('r1', [embeddedProduct(`p${i}`, vectors)]);
        },
      };
    }
  }
  const stored = (ids: string[]) => {
    held--;
    events.push(`upsert ${ids.join(',')}`);
  };
  return { batches, stored, events, maxHeld: () => maxHeld };
}

describe('runAggregate streaming', () => {
  it('takes 200 batches from an iterator one at a time, storing each before reading the next', async () => {
    // Prepare
    const source = countingSource(200);
    const store = new ObservedStore(source.stored);
    // Act
    const summary = await runAggregate({ runId: 'r1', batches: source.batches() }, { store, ...MODEL });
    // Assess
    expect(summary).toMatchObject({ batchesStored: 200, productsStored: 200, batchesFailed: [] });
    expect(await store.count()).toBe(200);
    expect(source.maxHeld()).toBe(1);
    for (let i = 0; i < 199; i++) {
      expect(source.events.indexOf(`yield ${i + 1}`)).toBeGreaterThan(source.events.indexOf(`upsert p${i}`));
    }
  });
});
