import type { Config } from '#core/config.ts';
import { ConfigError } from '#core/errors.ts';
import type { EmbedModelSpec } from '#core/model-spec.ts';
import { vectorModelId } from '#models/dtypes.ts';
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
  // The id the vectors carry: `<id>@<dtype>` for a quantized precision, as the embed stage's embedder says.
  return { modelId: vectorModelId(spec.id, config.model.embedDtype), dim: (spec as EmbedModelSpec).dim };
}
