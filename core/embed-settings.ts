import type { Config } from './config.ts';
import type { EmbedSettings } from './ports/vector-store.ts';
import type { ResolvedModels } from './resolved-models.ts';

const hex = (rgb: readonly number[]) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;

/** The quality-changing settings of an ingestion, as recorded with its vectors and printed by `eval`. */
export function embedSettings(
  config: Pick<Config, 'background' | 'model'>,
  models: Pick<ResolvedModels, 'embed' | 'segment'>,
  segment = true,
): EmbedSettings {
  const { segment: seg } = models;
  return {
    embedModel: models.embed.id,
    embedDtype: models.embed.dtype,
    segment,
    ...(segment && { segmentModel: seg.id, segmentSize: seg.inputSize }),
    ...(segment &&
      seg.contract === 'cloth' && {
        garmentClasses: seg.garmentClasses.map((c) => seg.classes[c] ?? String(c)),
      }),
    background: hex(config.background),
    imageFit: config.model.imageFit,
  };
}
