import { type AslDefinition, type AslState, asDefinition, isObject } from './asl.ts';
import { UnsupportedDefinitionError } from './errors.ts';
import { type DistributedMapSpec, isDistributedMap, parseDistributedMap } from './map-spec.ts';

/** Resource of the Task that stands in for a Distributed Map; its local handler runs the Map Run. */
export const LOCAL_DISTRIBUTED_MAP_RESOURCE = 'arn:aws:states:::threadfinder:localDistributedMap';

/** Fields a Distributed Map shares with a Task state and keeps when substituted. */
const KEPT_FIELDS = [
  'Comment',
  'InputPath',
  'ResultSelector',
  'ResultPath',
  'OutputPath',
  'Retry',
  'Catch',
  'Next',
  'End',
];

/** A definition the interpreter can run, and the Distributed Maps it stands in for, by state name. */
export interface Substitution {
  definition: AslDefinition;
  maps: Record<string, DistributedMapSpec>;
}

/**
 * Replaces every Distributed Map (at any depth: top level, Parallel branches, inline and distributed Map
 * processors) with a Task state of the same name whose Parameters carry the Map's ItemReader parameters (or
 * its items, from ItemsPath), BatchInput, ResultWriter parameters and `…Path` settings, so the interpreter
 * resolves their JSONPaths against the state input. InputPath, ResultSelector, ResultPath, OutputPath, Retry,
 * Catch and Next/End are kept. The input is not modified.
 */
export function substituteDistributedMaps(definition: unknown): Substitution {
  const maps: Record<string, DistributedMapSpec> = {};
  const substituted = substituteIn(
    structuredClone(asDefinition(definition, 'definition')),
    'definition',
    maps,
  );
  return { definition: substituted, maps };
}

function substituteIn(
  definition: AslDefinition,
  where: string,
  maps: Record<string, DistributedMapSpec>,
): AslDefinition {
  for (const [name, state] of Object.entries(definition.States)) {
    if (isDistributedMap(state)) {
      if (maps[name])
        throw new UnsupportedDefinitionError(`${where}: two Distributed Maps are named "${name}"`);
      const { spec, parameters } = parseDistributedMap(name, state);
      spec.itemProcessor = substituteIn(spec.itemProcessor, `Distributed Map "${name}" ItemProcessor`, maps);
      maps[name] = spec;
      definition.States[name] = taskFor(state, parameters);
    } else if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
      state.Branches = state.Branches.map((branch, i) =>
        substituteIn(
          asDefinition(branch, `Parallel "${name}" branch ${i}`),
          `Parallel "${name}" branch ${i}`,
          maps,
        ),
      );
    } else if (state.Type === 'Map') {
      for (const field of ['ItemProcessor', 'Iterator'] as const) {
        if (isObject(state[field])) {
          const inner = state[field] as Record<string, unknown>;
          const { ProcessorConfig, ...rest } = inner;
          const done = substituteIn(
            asDefinition(rest, `Map "${name}" ${field}`),
            `Map "${name}" ${field}`,
            maps,
          );
          state[field] = ProcessorConfig === undefined ? done : { ...done, ProcessorConfig };
        }
      }
    }
  }
  return definition;
}

function taskFor(map: AslState, parameters: Record<string, unknown>): AslState {
  const task: AslState = { Type: 'Task', Resource: LOCAL_DISTRIBUTED_MAP_RESOURCE, Parameters: parameters };
  for (const field of KEPT_FIELDS) if (map[field] !== undefined) task[field] = map[field];
  return task;
}
