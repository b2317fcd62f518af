import { type AslDefinition, type AslState, asDefinition, isObject } from './asl.ts';
import { UnsupportedDefinitionError } from './errors.ts';
import { nonNegativeInteger, onlyFields, readerParameters, writerParameters } from './map-fields.ts';
import type { MapSettingName } from './map-setting-names.ts';

/** What the local runner executes for one Distributed Map state, read from its definition. */
export interface DistributedMapSpec {
  stateName: string;
  /** The Map's Label, else its name: used in Map Run and child ARNs. */
  label: string;
  /** The ItemProcessor as a standalone definition (ProcessorConfig removed); one child execution per batch. */
  itemProcessor: AslDefinition;
  /** `s3-json`: a JSON array read from the blob store (ItemReader); `input`: the array at ItemsPath. */
  source: 's3-json' | 'input';
  /** Whether an ItemBatcher is present: children then get `{ Items, BatchInput? }` instead of one item. */
  batched: boolean;
  /** Values fixed in the definition; `…Path` variants arrive resolved in the task parameters' `Settings`. */
  settings: Partial<Record<MapSettingName, number>>;
  /** Present when results are exported (NONE transformation, JSON output: what AWS writes by default). */
  resultWriter?: { resource: string };
}

const MAP_FIELDS = new Set([
  'Type',
  'Comment',
  'InputPath',
  'OutputPath',
  'ResultPath',
  'ResultSelector',
  'Retry',
  'Catch',
  'Next',
  'End',
  'Label',
  'ItemProcessor',
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'ItemsPath',
  'MaxConcurrency',
  'MaxConcurrencyPath',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
]);

/** True for a Map state whose ItemProcessor runs in DISTRIBUTED mode. */
export function isDistributedMap(state: AslState): boolean {
  if (state.Type !== 'Map' || !isObject(state.ItemProcessor)) return false;
  const config = state.ItemProcessor.ProcessorConfig;
  return isObject(config) && config.Mode === 'DISTRIBUTED';
}

/**
 * Reads a Distributed Map state into the spec the local runner executes and the Parameters of the Task that
 * stands in for it (their `.$` paths are resolved by the interpreter against the Map's input).
 * Throws UnsupportedDefinitionError, naming the state and field, for anything it would otherwise ignore.
 */
export function parseDistributedMap(
  stateName: string,
  state: AslState,
): { spec: DistributedMapSpec; parameters: Record<string, unknown> } {
  const where = `Distributed Map "${stateName}"`;
  onlyFields(state, MAP_FIELDS, where);
  for (const field of ['Retry', 'Catch'] as const) {
    const rules = Array.isArray(state[field]) ? (state[field] as { ErrorEquals?: unknown }[]) : [];
    if (
      rules.some((rule) => Array.isArray(rule.ErrorEquals) && rule.ErrorEquals.includes('States.TaskFailed'))
    ) {
      throw new UnsupportedDefinitionError(
        `${where}: ${field} on States.TaskFailed is not supported locally (the Map runs as a Task there; use States.ALL)`,
      );
    }
  }
  const processor = state.ItemProcessor as Record<string, unknown>;
  onlyFields(
    processor.ProcessorConfig as Record<string, unknown>,
    new Set(['Mode', 'ExecutionType']),
    `${where} ItemProcessor.ProcessorConfig`,
  );
  const { ProcessorConfig: _config, ...childDefinition } = processor;
  const itemProcessor = asDefinition(childDefinition, `${where} ItemProcessor`);

  const parameters: Record<string, unknown> = {};
  const settings: Partial<Record<MapSettingName, number>> = {};
  const settingPaths: Record<string, unknown> = {};
  const setting = (name: MapSettingName, holder: Record<string, unknown>, at: string): void => {
    const fixed = holder[name];
    const path = holder[`${name}Path`];
    if (fixed !== undefined && path !== undefined) {
      throw new UnsupportedDefinitionError(`${where}: ${at}${name} and ${at}${name}Path are exclusive`);
    }
    if (fixed !== undefined) settings[name] = nonNegativeInteger(fixed, `${where}: ${at}${name}`, name);
    if (path !== undefined) settingPaths[`${name}.$`] = path;
  };

  let source: DistributedMapSpec['source'] = 'input';
  if (state.ItemReader !== undefined) {
    if (state.ItemsPath !== undefined) {
      throw new UnsupportedDefinitionError(`${where}: ItemsPath cannot be combined with ItemReader`);
    }
    parameters.ItemReader = readerParameters(state.ItemReader, where);
    const config = (state.ItemReader as Record<string, unknown>).ReaderConfig;
    if (config !== undefined) {
      if (!isObject(config))
        throw new UnsupportedDefinitionError(`${where}: ItemReader.ReaderConfig must be an object`);
      onlyFields(
        config,
        new Set(['InputType', 'MaxItems', 'MaxItemsPath']),
        `${where} ItemReader.ReaderConfig`,
      );
      setting('MaxItems', config, 'ItemReader.ReaderConfig.');
    }
    if (!isObject(config) || config.InputType !== 'JSON') {
      const type = isObject(config) ? JSON.stringify(config.InputType) : 'missing';
      throw new UnsupportedDefinitionError(
        `${where}: ItemReader.ReaderConfig.InputType ${type} is not supported locally (JSON only)`,
      );
    }
    source = 's3-json';
  } else {
    parameters['Items.$'] = state.ItemsPath ?? '$';
  }

  const batcher = state.ItemBatcher;
  if (batcher !== undefined) {
    if (!isObject(batcher)) throw new UnsupportedDefinitionError(`${where}: ItemBatcher must be an object`);
    onlyFields(
      batcher,
      new Set([
        'MaxItemsPerBatch',
        'MaxItemsPerBatchPath',
        'MaxInputBytesPerBatch',
        'MaxInputBytesPerBatchPath',
        'BatchInput',
      ]),
      `${where} ItemBatcher`,
    );
    setting('MaxItemsPerBatch', batcher, 'ItemBatcher.');
    setting('MaxInputBytesPerBatch', batcher, 'ItemBatcher.');
    if (
      ![
        'MaxItemsPerBatch',
        'MaxItemsPerBatchPath',
        'MaxInputBytesPerBatch',
        'MaxInputBytesPerBatchPath',
      ].some((f) => batcher[f] !== undefined)
    ) {
      throw new UnsupportedDefinitionError(
        `${where}: ItemBatcher needs MaxItemsPerBatch or MaxInputBytesPerBatch`,
      );
    }
    if (batcher.BatchInput !== undefined) parameters.BatchInput = batcher.BatchInput;
  }
  setting('MaxConcurrency', state, '');
  setting('ToleratedFailurePercentage', state, '');
  setting('ToleratedFailureCount', state, '');
  if (Object.keys(settingPaths).length > 0) parameters.Settings = settingPaths;

  let resultWriter: DistributedMapSpec['resultWriter'];
  if (state.ResultWriter !== undefined) {
    const writer = writerParameters(state.ResultWriter, where);
    parameters.ResultWriter = writer.parameters;
    resultWriter = { resource: writer.resource };
  }

  const label = typeof state.Label === 'string' && state.Label !== '' ? state.Label : stateName;
  return {
    spec: {
      stateName,
      label,
      itemProcessor,
      source,
      batched: batcher !== undefined,
      settings,
      ...(resultWriter && { resultWriter }),
    },
    parameters,
  };
}
