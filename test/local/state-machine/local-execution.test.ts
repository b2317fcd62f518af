import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { InputError } from '#core/errors.ts';
import {
  LocalExecutionFailedError,
  type MapProgress,
  runLocalExecution,
  UnsupportedDefinitionError,
} from '#map-runner/index.ts';

let dir: string;
let blobs: FsBlobStore;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-le-'));
  blobs = new FsBlobStore(dir);
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:f';

function oneTask(extra: Record<string, unknown> = {}) {
  return {
    StartAt: 'Work',
    States: {
      Work: {
        Type: 'Task',
        Resource: LAMBDA,
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
        End: true,
        ...extra,
      },
      Caught: { Type: 'Pass', Result: 'caught', End: true },
    },
  };
}

/** A Distributed Map over `$.list` (no ItemReader, no ResultWriter) with one Pass child. */
function inlineSourceMap(fields: Record<string, unknown> = {}) {
  return {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Map',
        ItemsPath: '$.list',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
          StartAt: 'Double',
          States: { Double: { Type: 'Task', Resource: LAMBDA, End: true } },
        },
        End: true,
        ...fields,
      },
    },
  };
}

describe('runLocalExecution', () => {
  it('refuses, before running anything, a Task state without a handler, naming it', async () => {
    const act = runLocalExecution(inlineSourceMap(), { list: [1] }, { taskHandlers: {}, blobs });

    await expect(act).rejects.toThrow(UnsupportedDefinitionError);
    await expect(act).rejects.toThrow(/Task states without a local handler: Double/);
  });

  it('refuses a handler named after no Task state (a renamed state would otherwise go unnoticed)', async () => {
    const taskHandlers = { Work: async () => 1, Wrok: async () => 2 };

    await expect(runLocalExecution(oneTask(), {}, { taskHandlers, blobs })).rejects.toThrow(
      /no Task state.*: Wrok/,
    );
  });

  it('fails the execution on a result over 256 KiB, which no Catch handles (as on AWS)', async () => {
    const taskHandlers = { Work: async () => ({ vector: 'x'.repeat(300_000) }) };

    const failure = await runLocalExecution(oneTask(), {}, { taskHandlers, blobs }).catch(
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(LocalExecutionFailedError);
    expect(failure).toMatchObject({ error: 'States.DataLimitExceeded' });
    expect((failure as LocalExecutionFailedError).errorCause).toMatch(
      /"Work" returned a result with a size of \d+ bytes/,
    );
  });

  it('reports an uncaught handler error with its name and message as Error and Cause', async () => {
    const definition = { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: LAMBDA, End: true } } };
    const taskHandlers = {
      Work: async () => {
        throw new InputError('catalogs/shop:3: missing image URL');
      },
    };

    const failure = await runLocalExecution(definition, {}, { taskHandlers, blobs }).catch(
      (error: unknown) => error,
    );

    expect(failure).toMatchObject({ error: 'InputError', errorCause: 'catalogs/shop:3: missing image URL' });
    expect((failure as Error).cause).toBeInstanceOf(Error);
  });

  it('lets a Task run past the interpreter default of 60 s when the definition sets no TimeoutSeconds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let finish: (value: string) => void = () => undefined;
    const taskHandlers = { Work: () => new Promise<string>((resolve) => (finish = resolve)) };

    const result = runLocalExecution(oneTask(), {}, { taskHandlers, blobs });
    await vi.advanceTimersByTimeAsync(10 * 60 * 1000);
    finish('done');

    await expect(result).resolves.toBe('done');
  });

  it('returns the children outputs in item order for a Distributed Map without a ResultWriter', async () => {
    const taskHandlers = { Double: async (n: unknown) => (n as number) * 2 };

    const output = await runLocalExecution(
      inlineSourceMap(),
      { list: [1, 2, 3, 4, 5] },
      { taskHandlers, blobs },
    );

    expect(output).toEqual([2, 4, 6, 8, 10]);
  });

  it('reads only ReaderConfig.MaxItems items', async () => {
    await blobs.put('items.json', Buffer.from(JSON.stringify([1, 2, 3, 4, 5])));
    const { ItemsPath: _path, ...map } = inlineSourceMap().States.Fan;
    const reader = {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON', MaxItemsPath: '$.max' },
      Parameters: { Bucket: 'local', Key: 'items.json' },
    };
    const definition = { StartAt: 'Fan', States: { Fan: { ...map, ItemReader: reader } } };
    const taskHandlers = { Double: async (n: unknown) => (n as number) * 2 };

    const output = await runLocalExecution(definition, { max: 2 }, { taskHandlers, blobs });

    expect(output).toEqual([2, 4]);
  });

  it('fails the Map with States.ItemReaderFailed when the items file is missing', async () => {
    const { ItemsPath: _path, ...map } = inlineSourceMap().States.Fan;
    const reader = {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { Bucket: 'local', Key: 'nope.json' },
    };
    const definition = { StartAt: 'Fan', States: { Fan: { ...map, ItemReader: reader } } };

    const failure = runLocalExecution(definition, {}, { taskHandlers: { Double: async () => 0 }, blobs });

    await expect(failure).rejects.toMatchObject({ error: 'States.ItemReaderFailed' });
    await expect(failure).rejects.toThrow(/cannot read nope\.json/);
  });

  it('reports progress per batch, ending with every item counted', async () => {
    const events: MapProgress[] = [];
    const definition = inlineSourceMap({ ItemBatcher: { MaxItemsPerBatch: 2 } });
    const taskHandlers = { Double: async (batch: unknown) => (batch as { Items: number[] }).Items.length };

    await runLocalExecution(
      definition,
      { list: [1, 2, 3, 4, 5] },
      { taskHandlers, blobs, onMapProgress: (e) => events.push(e) },
    );

    expect(events.map((e) => e.event).filter((e) => e === 'batch-finished')).toHaveLength(3);
    expect(events[0]).toMatchObject({
      event: 'map-started',
      stateName: 'Fan',
      batches: { total: 3, pending: 3 },
    });
    expect(events.at(-1)).toMatchObject({
      event: 'map-finished',
      batches: { total: 3, pending: 0, running: 0, succeeded: 3, failed: 0 },
      items: { total: 5, pending: 0, running: 0, succeeded: 5, failed: 0 },
    });
    const finished = events.filter((e) => e.event === 'batch-finished').map((e) => e.batch?.output);
    expect(finished.sort()).toEqual([1, 2, 2]);
  });

  it('refuses an execution name that is not a safe key', async () => {
    const act = runLocalExecution(
      oneTask(),
      {},
      { taskHandlers: { Work: async () => 1 }, blobs, executionName: '../x' },
    );

    await expect(act).rejects.toThrow(InputError);
  });

  it('lets later children work while earlier ones sit in a Wait state, never more than the cap working', async () => {
    // Prepare: children 0 and 1 wait 1.5 s after their first Task (a paused host); 2..5 do not wait
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Map',
          ItemsPath: '$.list',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Work',
            States: {
              Work: { Type: 'Task', Resource: LAMBDA, Next: 'Paused?' },
              'Paused?': {
                Type: 'Choice',
                Choices: [{ Variable: '$.wait', BooleanEquals: true, Next: 'Hold' }],
                Default: 'Done',
              },
              Hold: { Type: 'Wait', Seconds: 1.5, Next: 'Done' },
              Done: { Type: 'Task', Resource: LAMBDA, End: true },
            },
          },
          End: true,
        },
      },
    };
    const t0 = Date.now();
    const doneAt: Record<number, number> = {};
    let working = 0;
    let most = 0;
    const work = async (input: unknown) => {
      working++;
      most = Math.max(most, working);
      await new Promise((r) => setTimeout(r, 20));
      working--;
      return input;
    };
    const taskHandlers = {
      Work: work,
      Done: async (input: unknown) => {
        await work(input);
        doneAt[(input as { n: number }).n] = Date.now() - t0;
        return input;
      },
    };
    const list = Array.from({ length: 6 }, (_, n) => ({ n, wait: n < 2 }));
    // Act
    await runLocalExecution(definition, { list }, { taskHandlers, blobs, mapConcurrency: 2 });
    // Assess
    for (const n of [2, 3, 4, 5]) expect(doneAt[n]).toBeLessThan(1400);
    for (const n of [0, 1]) expect(doneAt[n]).toBeGreaterThanOrEqual(1500);
    expect(most).toBe(2);
  });
});
