import { isObject } from './asl.ts';
import { TerminalStateError, UnsupportedDefinitionError } from './errors.ts';
import { nonNegativeInteger } from './map-fields.ts';
import { MAP_SETTINGS, type MapSettingName } from './map-setting-names.ts';
import type { DistributedMapSpec } from './map-spec.ts';

/** A Map's settings for one run: the definition's fixed values and its `…Path` values as resolved. */
export type MapSettings = Partial<Record<MapSettingName, number>>;

/** Merges the spec's fixed settings with those resolved from the input (task parameters' `Settings`). */
export function resolveSettings(spec: DistributedMapSpec, resolved: unknown): MapSettings {
  const settings: MapSettings = { ...spec.settings };
  if (resolved === undefined) return settings;
  if (!isObject(resolved))
    throw new TerminalStateError('States.Runtime', `Distributed Map "${spec.stateName}": bad settings`);
  for (const name of MAP_SETTINGS) {
    if (resolved[name] === undefined) continue;
    try {
      settings[name] = nonNegativeInteger(
        resolved[name],
        `Distributed Map "${spec.stateName}": ${name}Path`,
        name,
      );
    } catch (error) {
      if (!(error instanceof UnsupportedDefinitionError)) throw error;
      throw new TerminalStateError('States.Runtime', error.message);
    }
  }
  return settings;
}

/**
 * Whether failed items exceed the tolerance: over ToleratedFailurePercentage of all items, or over
 * ToleratedFailureCount; with neither set, any failure does (AWS defaults both to 0).
 */
export function exceedsTolerance(failedItems: number, totalItems: number, settings: MapSettings): boolean {
  const percentage = settings.ToleratedFailurePercentage;
  const count = settings.ToleratedFailureCount;
  if (percentage === undefined && count === undefined) return failedItems > 0;
  const overPercentage =
    percentage !== undefined && totalItems > 0 && (failedItems / totalItems) * 100 > percentage;
  const overCount = count !== undefined && failedItems > count;
  return overPercentage || overCount;
}
