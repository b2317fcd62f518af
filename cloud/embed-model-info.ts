import type { Config } from '#core/config.ts';
import { ConfigError } from '#core/errors.ts';
import type { EmbedModelSpec } from '#core/model-spec.ts';
import { DEFAULT_EMBED_MODEL, findModel } from '#models/registry.ts';

/**
 * The embedding model's id and vector width from the registry, for functions that store vectors without
 * running the model (the aggregate step ships without model files).
 */
export function embedModelInfo(config: Pick<Config, 'model'>): { modelId: string; dim: number } {
  const id = config.model.embed ?? DEFAULT_EMBED_MODEL;
  const spec = findModel(id);
  if (spec?.task !== 'embed')
    throw new ConfigError(`THREADFINDER_EMBED_MODEL=${id} is not an embedding model`);
  return { modelId: spec.id, dim: (spec as EmbedModelSpec).dim };
}
