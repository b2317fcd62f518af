import { describe, expect, it } from 'vitest';
import { embedModelInfo } from '#cloud/embed-model-info.ts';
import { loadConfig } from '#core/config.ts';

// The aggregate function stores vectors without loading the model: the id it binds Atlas to must be the id the
// embed stage's vectors carry, or a quantized deployment would fail at its first aggregate.

describe('embedModelInfo (the deployed aggregate step)', () => {
  it('names the vectors of a quantized precision <id>@<dtype>, as the embedder does', () => {
    const config = loadConfig({
      THREADFINDER_EMBED_MODEL: 'marqo-fashion-clip',
      THREADFINDER_EMBED_DTYPE: 'q8',
    });

    expect(embedModelInfo(config)).toEqual({ modelId: 'marqo-fashion-clip@q8', dim: 512 });
  });

  it('keeps the registry id at fp32', () => {
    const config = loadConfig({ THREADFINDER_EMBED_MODEL: 'marqo-fashion-siglip' });

    expect(embedModelInfo(config)).toEqual({ modelId: 'marqo-fashion-siglip', dim: 768 });
  });
});
