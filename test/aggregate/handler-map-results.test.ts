import { describe, expect, it } from 'vitest';
import { writeProductList } from '#core/contracts/product-list.ts';
import { normalize } from '#core/vectors.ts';
import { readSummary } from '#functions/aggregate/run-blobs.ts';
import { collect } from '#test/contract/vector-store-contract.ts';
import { batch, embeddedProduct, MODEL } from './fixtures.ts';
import { context, handlerSetup } from './handler-setup.ts';
import {
  embeddedChild,
  failedChild,
  MANIFEST_KEY,
  MAP,
  mapRun,
  pendingChild,
  RESULTS,
  recordedFailureChild,
} from './map-fixtures.ts';

const setup = handlerSetup('aggregate-map-results');
const shirt = {
  'runs/r1/embedded/a.json': batch('r1', [embeddedProduct('shirt', [{ vector: [1, 0, 0, 0] }])]),
};

/** A run whose map embedded `shirt`, recorded a failure for p2+p3, lost p4 to a failed child and left p5 pending. */
const troubledRun = {
  ...shirt,
  ...mapRun({
    SUCCEEDED: [
      embeddedChild('a', 'r1', ['shirt']),
      recordedFailureChild('b', 'r1', ['p2', 'p3'], 'States.TaskFailed', 'image host refused every request'),
    ],
    FAILED: [failedChild('c', 'r1', ['p4'])],
    PENDING: [pendingChild('d', 'r1', ['p5'])],
  }),
};

/** Sets up the run and a store that already holds a discontinued `hat`, which only a prune would delete. */
async function withHat(contents: Record<string, unknown>) {
  const ctx = await setup(contents);
  await ctx.store.bind({ model: MODEL.modelId, dim: MODEL.dim });
  await ctx.store.upsert([
    { id: 'hat', vector: normalize([0, 1, 0, 0]), images: [], metadata: {}, imagesUsed: 1 },
  ]);
  return ctx;
}

describe('aggregate handler with the map run results', () => {
  it('reports recorded, failed and pending batches with their products, stores the rest and skips prune', async () => {
    // Prepare
    const { blobs, store, handler } = await withHat(troubledRun);
    await writeProductList(blobs, 'r1', ['shirt', 'p2', 'p3', 'p4', 'p5']);
    // Act
    const summary = await handler({ runId: 'r1', prune: true, results: RESULTS }, context);
    // Assess
    expect(summary.batchesNotEmbedded).toEqual([
      {
        productIds: ['p4'],
        error: 'Lambda.Unknown',
        cause: 'The function ran out of memory',
        execution: 'c',
      },
      { productIds: ['p5'], error: 'not finished when the map run ended (RUNNING)', execution: 'd' },
      {
        productIds: ['p2', 'p3'],
        error: 'States.TaskFailed',
        cause: 'image host refused every request',
        execution: 'b',
      },
    ]);
    expect(summary.productsNotEmbedded).toBe(4);
    expect(summary.productsStored).toBe(1);
    expect(summary.pruneSkipped).toBe('prune skipped: 3 batches failed');
    expect((await collect(store.listIds())).sort()).toEqual(['hat', 'shirt']);
  });

  it('returns a compact summary to the state machine, with the full one in runs/<runId>/summary.json', async () => {
    // Prepare
    const { blobs, lambda } = await withHat(troubledRun);
    // Act
    const compact = await lambda({ runId: 'r1', results: RESULTS }, context);
    // Assess
    const full = await readSummary(blobs, 'r1');
    expect(full.batchesNotEmbedded).toHaveLength(3);
    expect(compact).toMatchObject({
      runId: 'r1',
      summaryKey: 'runs/r1/summary.json',
      productsStored: 1,
      productsNotEmbedded: 4,
      batchesStored: 1,
      batchesNotEmbedded: 3,
      batchesFailed: 0,
    });
    expect(compact.first.batchesNotEmbedded.map((b) => b.productCount)).toEqual([1, 1, 2]);
  });

  it('counts a failed-child time-out or abort, reading JSON Lines result files too', async () => {
    // Prepare
    const contents = mapRun({ FAILED: [] });
    const lines = [
      failedChild('t', 'r1', ['p7'], 'TIMED_OUT'),
      { ...failedChild('x', 'r1', ['p8'], 'ABORTED'), Error: undefined },
    ];
    contents[`${MAP}/FAILED_0.json`] = lines.map((l) => JSON.stringify(l)).join('\n');
    const { handler } = await setup({ ...shirt, ...contents });
    // Act
    const summary = await handler({ runId: 'r1', results: RESULTS }, context);
    // Assess
    expect(summary.batchesNotEmbedded.map((b) => [b.productIds, b.error])).toEqual([
      [['p7'], 'Lambda.Unknown'],
      [['p8'], 'child execution aborted'],
    ]);
  });

  it.each([
    ['is missing', {}, `map results manifest ${MANIFEST_KEY} not found`],
    [
      'is not JSON',
      { [MANIFEST_KEY]: '{"ResultFiles": ' },
      `map results manifest ${MANIFEST_KEY} is not JSON`,
    ],
    [
      'has no ResultFiles',
      { [MANIFEST_KEY]: { MapRunArn: 'x' } },
      `map results manifest ${MANIFEST_KEY} is invalid`,
    ],
  ])(
    'when the manifest %s, still stores what was embedded, says so and skips prune',
    async (_, manifest, problem) => {
      // Prepare
      const { blobs, store, read, handler } = await withHat({ ...shirt, ...manifest });
      await writeProductList(blobs, 'r1', ['shirt']);
      // Act
      const summary = await handler({ runId: 'r1', prune: true, results: RESULTS }, context);
      // Assess
      expect(summary.mapResultsProblems).toEqual([expect.stringContaining(problem)]);
      expect(summary.pruneSkipped).toContain("prune skipped: the map run's results could not be read");
      expect((await collect(store.listIds())).sort()).toEqual(['hat', 'shirt']);
      expect(await read('runs/r1/summary.json')).toEqual(summary);
    },
  );

  it('names a corrupt result file and still reads the others', async () => {
    // Prepare
    const contents = mapRun({ FAILED: [failedChild('c', 'r1', ['p4'])], SUCCEEDED: [] });
    contents[`${MAP}/SUCCEEDED_0.json`] = '[{"ExecutionArn": ';
    const { handler } = await setup({ ...shirt, ...contents });
    // Act
    const summary = await handler({ runId: 'r1', results: RESULTS }, context);
    // Assess
    expect(summary.mapResultsProblems).toEqual([
      `map result file ${MAP}/SUCCEEDED_0.json is not JSON; its batches are not known`,
    ]);
    expect(summary.batchesNotEmbedded.map((b) => b.productIds)).toEqual([['p4']]);
    expect(summary.productsStored).toBe(1);
  });

  it('summarises a run in which every batch failed instead of refusing it as empty', async () => {
    // Prepare
    const { handler } = await setup(mapRun({ FAILED: [failedChild('c', 'r1', ['p1', 'p2'])] }));
    // Act
    const summary = await handler({ runId: 'r1', results: RESULTS }, context);
    // Assess
    expect(summary).toMatchObject({ productsStored: 0, batchesStored: 0, productsNotEmbedded: 2 });
  });

  it('does not count as lost a product that another batch of the run stored after all', async () => {
    // Prepare
    const { handler } = await setup({
      ...shirt,
      ...mapRun({ SUCCEEDED: [recordedFailureChild('b', 'r1', ['shirt'], 'States.Timeout', 'late')] }),
    });
    // Act
    const summary = await handler({ runId: 'r1', results: RESULTS }, context);
    // Assess
    expect(summary.batchesNotEmbedded).toEqual([]);
    expect(summary.productsNotEmbedded).toBe(0);
  });

  it('prunes when the map results show no failed batch', async () => {
    // Prepare
    const { blobs, store, handler } = await withHat({
      ...shirt,
      ...mapRun({ SUCCEEDED: [embeddedChild('a', 'r1', ['shirt'])] }),
    });
    await writeProductList(blobs, 'r1', ['shirt']);
    // Act
    const summary = await handler({ runId: 'r1', prune: true, results: RESULTS }, context);
    // Assess
    expect(summary.pruneSkipped).toBeUndefined();
    expect(summary.productsPruned).toBe(1);
    expect(await collect(store.listIds())).toEqual(['shirt']);
  });

  it('skips prune when the run catalog had refused rows', async () => {
    // Prepare
    const { blobs, store, handler } = await withHat(shirt);
    await writeProductList(blobs, 'r1', ['shirt'], { catalogErrors: 2 });
    // Act
    const summary = await handler({ runId: 'r1', prune: true }, context);
    // Assess
    expect(summary.pruneSkipped).toBe('prune skipped: 2 catalog problems refused rows or values');
    expect(await store.count()).toBe(2);
  });

  it('refuses a results location without a Key', async () => {
    // Prepare
    const { handler } = await setup(shirt);
    // Act
    const error = await handler({ runId: 'r1', results: { Bucket: 'b' } }, context).catch((e: unknown) => e);
    // Assess
    expect((error as Error).name).toBe('InputError');
    expect((error as Error).message).toContain('invalid aggregate event: results.Key');
  });
});

/** Moves a mapRun() fixture under another ResultWriter prefix (a second Map Run, after a redrive). */
function relocate(contents: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const json = JSON.stringify(contents).replaceAll(`${MAP}/`, `${prefix}/`);
  return JSON.parse(json) as Record<string, unknown>;
}

describe('aggregate handler after the Map itself failed', () => {
  it('reads every Map Run under the run prefix and reports what none of them embedded', async () => {
    // Prepare: a first Map Run recorded shirt+p2 as failed; a redriven one embedded shirt and failed p3.
    const first = relocate(
      mapRun({ SUCCEEDED: [recordedFailureChild('b', 'r1', ['shirt', 'p2'], 'States.TaskFailed', 'x')] }),
      'map-results/r1/11111111',
    );
    const second = relocate(
      mapRun({
        SUCCEEDED: [
          embeddedChild('a', 'r1', ['shirt']),
          recordedFailureChild('c', 'r1', ['p3'], 'States.TaskFailed', 'y'),
        ],
      }),
      'map-results/r1/22222222',
    );
    const { handler } = await setup({ ...shirt, ...first, ...second });
    // Act
    const summary = await handler({ runId: 'r1', resultsPrefix: 'map-results/r1' }, context);
    // Assess
    expect(summary.productsStored).toBe(1);
    expect(summary.batchesNotEmbedded.flatMap((b) => b.productIds).sort()).toEqual(['p2', 'p3']);
  });
});
