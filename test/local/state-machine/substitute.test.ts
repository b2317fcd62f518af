import { describe, expect, it } from 'vitest';
import {
  LOCAL_DISTRIBUTED_MAP_RESOURCE,
  substituteDistributedMaps,
  UnsupportedDefinitionError,
} from '#map-runner/index.ts';
import { embedMap, ingestionDefinition } from './ingestion-harness.ts';

/** A one-state definition around a Distributed Map with the given extra or replaced fields. */
function withMap(fields: Record<string, unknown>) {
  const map = {
    Type: 'Map',
    ItemProcessor: {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
      StartAt: 'Work',
      States: {
        Work: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:work', End: true },
      },
    },
    ItemReader: {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { Bucket: 'b', 'Key.$': '$.key' },
    },
    End: true,
    ...fields,
  };
  return { StartAt: 'Fan', States: { Fan: map } };
}

function refusal(definition: unknown): string {
  try {
    substituteDistributedMaps(definition);
  } catch (error) {
    expect(error).toBeInstanceOf(UnsupportedDefinitionError);
    return (error as Error).message;
  }
  throw new Error('expected the definition to be refused');
}

describe('substituteDistributedMaps', () => {
  it('replaces the Distributed Map with a Task that keeps its Retry, Catch, paths and transition', () => {
    const definition = ingestionDefinition();
    embedMap(definition).Retry = [{ ErrorEquals: ['States.ItemReaderFailed'], MaxAttempts: 1 }];
    embedMap(definition).InputPath = '$';
    embedMap(definition).ResultSelector = { 'key.$': '$.ResultWriterDetails.Key' };
    embedMap(definition).OutputPath = '$';
    const before = JSON.stringify(definition);

    const { definition: out, maps } = substituteDistributedMaps(definition);

    expect(out.States.EmbedProducts).toEqual({
      Type: 'Task',
      Resource: LOCAL_DISTRIBUTED_MAP_RESOURCE,
      Parameters: {
        ItemReader: { Bucket: 'threadfinder-data', 'Key.$': '$.prepared.itemsKey' },
        BatchInput: { 'runId.$': '$.prepared.runId' },
        ResultWriter: { Bucket: 'threadfinder-data', Prefix: 'map-results' },
      },
      InputPath: '$',
      ResultSelector: { 'key.$': '$.ResultWriterDetails.Key' },
      ResultPath: '$.map',
      OutputPath: '$',
      Retry: [{ ErrorEquals: ['States.ItemReaderFailed'], MaxAttempts: 1 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.mapError', Next: 'AggregateEmbedded' }],
      Next: 'Aggregate',
    });
    const { EmbedProducts: _map, ...others } = out.States;
    const { EmbedProducts: _original, ...originals } = JSON.parse(before).States;
    expect(others).toEqual(originals);
    expect(JSON.stringify(definition)).toBe(before);
    expect(maps.EmbedProducts).toMatchObject({
      stateName: 'EmbedProducts',
      label: 'EmbedProducts',
      source: 's3-json',
      batched: true,
      settings: {
        MaxItemsPerBatch: 20,
        MaxInputBytesPerBatch: 262144,
        MaxConcurrency: 16,
        ToleratedFailurePercentage: 10,
      },
      resultWriter: { resource: 'arn:aws:states:::s3:putObject' },
    });
    expect(maps.EmbedProducts?.itemProcessor.StartAt).toBe('Download');
    expect(maps.EmbedProducts?.itemProcessor).not.toHaveProperty('ProcessorConfig');
    expect(Object.keys(maps.EmbedProducts?.itemProcessor.States ?? {})).toEqual([
      'Download',
      'Segment',
      'Embed',
      'RecordBatchFailure',
    ]);
  });

  it('reads items from ItemsPath when there is no ItemReader, and path settings from the input', () => {
    const { ItemReader: _reader, ...map } = withMap({}).States.Fan;
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: {
          ...map,
          ItemsPath: '$.list',
          MaxConcurrencyPath: '$.limit',
          ToleratedFailureCountPath: '$.tolerated',
        },
      },
    };

    const { definition: out, maps } = substituteDistributedMaps(definition);

    expect(out.States.Fan?.Parameters).toEqual({
      'Items.$': '$.list',
      Settings: { 'MaxConcurrency.$': '$.limit', 'ToleratedFailureCount.$': '$.tolerated' },
    });
    expect(maps.Fan).toMatchObject({ source: 'input', batched: false, settings: {} });
  });

  it('substitutes Distributed Maps inside Parallel branches and leaves inline Maps alone', () => {
    const inline = {
      Type: 'Map',
      ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      End: true,
    };
    const definition = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [withMap({}), { StartAt: 'Inline', States: { Inline: inline } }],
          End: true,
        },
      },
    };

    const { definition: out, maps } = substituteDistributedMaps(definition);

    const branches = out.States.Both?.Branches as { States: Record<string, { Type: string }> }[];
    expect(branches[0]?.States.Fan?.Type).toBe('Task');
    expect(branches[1]?.States.Inline).toEqual(inline);
    expect(Object.keys(maps)).toEqual(['Fan']);
  });

  it.each([
    ['ItemSelector', { ItemSelector: { 'value.$': '$$.Map.Item.Value' } }, /"Fan".*field ItemSelector/],
    ['Parameters', { Parameters: { 'x.$': '$.x' } }, /"Fan".*field Parameters/],
    [
      'a CSV reader',
      {
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'CSV' },
          Parameters: { Bucket: 'b', Key: 'k' },
        },
      },
      /"Fan": ItemReader\.ReaderConfig\.InputType "CSV"/,
    ],
    [
      'an S3 listing reader',
      { ItemReader: { Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: { Bucket: 'b' } } },
      /"Fan": ItemReader\.Resource "arn:aws:states:::s3:listObjectsV2"/,
    ],
    [
      'CSV reader options',
      {
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON', CSVHeaderLocation: 'FIRST_ROW' },
          Parameters: { Bucket: 'b', Key: 'k' },
        },
      },
      /"Fan" ItemReader\.ReaderConfig: field CSVHeaderLocation/,
    ],
    [
      'a COMPACT ResultWriter',
      {
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'b' },
          WriterConfig: { Transformation: 'COMPACT' },
        },
      },
      /"Fan": ResultWriter\.WriterConfig\.Transformation "COMPACT"/,
    ],
    [
      'a JSONL ResultWriter',
      {
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'b' },
          WriterConfig: { OutputType: 'JSONL' },
        },
      },
      /"Fan": ResultWriter\.WriterConfig\.OutputType "JSONL"/,
    ],
    [
      'an ItemBatcher without a limit',
      { ItemBatcher: { BatchInput: {} } },
      /"Fan": ItemBatcher needs MaxItemsPerBatch/,
    ],
    [
      'ItemsPath with an ItemReader',
      { ItemsPath: '$.x' },
      /"Fan": ItemsPath cannot be combined with ItemReader/,
    ],
    [
      'a fractional MaxConcurrency',
      { MaxConcurrency: 1.5 },
      /"Fan": MaxConcurrency must be a non-negative integer/,
    ],
    ['variables', { Assign: { x: 1 } }, /"Fan".*field Assign/],
    [
      'a Catch on States.TaskFailed',
      { Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Fan' }] },
      /"Fan": Catch on States\.TaskFailed/,
    ],
  ])('refuses %s, naming the state and the field', (_what, fields, message) => {
    expect(refusal(withMap(fields))).toMatch(message);
  });

  it('refuses ReaderConfig.MaxItems together with MaxItemsPath', () => {
    const reader = {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON', MaxItems: 5, MaxItemsPath: '$.n' },
      Parameters: { Bucket: 'b', Key: 'k' },
    };
    expect(refusal(withMap({ ItemReader: reader }))).toMatch(
      /"Fan": ItemReader\.ReaderConfig\.MaxItems and .*MaxItemsPath/,
    );
  });

  it('refuses a JSONata definition', () => {
    expect(refusal({ ...withMap({}), QueryLanguage: 'JSONata' })).toMatch(/QueryLanguage "JSONata"/);
  });
});
