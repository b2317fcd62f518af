/** Runtime numbers a Distributed Map may take from its input through a `…Path` field. */
export const MAP_SETTINGS = [
  'MaxItems',
  'MaxItemsPerBatch',
  'MaxInputBytesPerBatch',
  'MaxConcurrency',
  'ToleratedFailurePercentage',
  'ToleratedFailureCount',
] as const;
export type MapSettingName = (typeof MAP_SETTINGS)[number];
