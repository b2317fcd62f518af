import { UnsupportedDefinitionError } from './errors.ts';

/** A JSON value as states pass it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One state of an Amazon States Language definition, loosely typed: fields are checked where used. */
export interface AslState {
  Type: string;
  [field: string]: unknown;
}

/** An Amazon States Language definition (top level, a Parallel branch or a Map's ItemProcessor). */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [field: string]: unknown;
}

/** A plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the outline of a definition (StartAt, States with a Type each); `where` names it in errors. */
export function asDefinition(value: unknown, where: string): AslDefinition {
  if (!isObject(value)) throw new UnsupportedDefinitionError(`${where}: a definition must be a JSON object`);
  if (typeof value.StartAt !== 'string') throw new UnsupportedDefinitionError(`${where}: StartAt is missing`);
  if (!isObject(value.States)) throw new UnsupportedDefinitionError(`${where}: States is missing`);
  if (value.QueryLanguage !== undefined && value.QueryLanguage !== 'JSONPath') {
    throw new UnsupportedDefinitionError(
      `${where}: QueryLanguage ${JSON.stringify(value.QueryLanguage)} is not supported locally (JSONPath only)`,
    );
  }
  for (const [name, state] of Object.entries(value.States)) {
    if (!isObject(state) || typeof state.Type !== 'string') {
      throw new UnsupportedDefinitionError(`${where}: state "${name}" has no Type`);
    }
  }
  return value as AslDefinition;
}

/** Serialized size in bytes, as Step Functions measures payloads. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null));
}

/** Calls `visit` for every state of `definition`, then of its Parallel branches and Map processors, depth first. */
export function forEachState(
  definition: AslDefinition,
  visit: (name: string, state: AslState) => void,
): void {
  for (const [name, state] of Object.entries(definition.States)) {
    visit(name, state);
    const inner: unknown[] = [
      ...(Array.isArray(state.Branches) ? state.Branches : []),
      state.ItemProcessor,
      state.Iterator,
    ];
    for (const nested of inner)
      if (isObject(nested) && isObject(nested.States)) forEachState(nested as AslDefinition, visit);
  }
}
