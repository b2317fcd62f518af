import type { AggregateHandlerDeps } from '#functions/aggregate/handler.ts';
import type { PrepareDeps } from '#functions/prepare/run-prepare.ts';
import { embedModelInfo } from './embed-model-info.ts';
import { cloudBlobs, cloudConfig, cloudStore } from './shared-deps.ts';

// The zip functions' deps: no model, no native code, so their bundles stay small and pure JavaScript.

/** Prepare: the bucket. */
export async function prepareDeps(): Promise<PrepareDeps> {
  return { blobs: await cloudBlobs() };
}

/** Aggregate: the bucket and the MongoDB store; the model's id and width come from the registry. */
export async function aggregateDeps(): Promise<AggregateHandlerDeps> {
  return { blobs: await cloudBlobs(), store: await cloudStore(), ...embedModelInfo(await cloudConfig()) };
}
