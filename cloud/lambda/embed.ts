import { cloudConfig } from '#cloud/data-ports.ts';
import { cloudPorts } from '#cloud/model-ports.ts';
import { buildEmbedDeps } from '#functions/embed/deps.ts';
import { createEmbedHandler } from '#functions/embed/handler.ts';
import { createObservability } from '#functions/shared/observe/powertools.ts';

/** The deployed embed function: the image tower from the image, vectors to the data bucket. */
export const handler = createEmbedHandler(
  async () => buildEmbedDeps(await cloudConfig(), await cloudPorts()),
  {
    observe: createObservability('embed'),
  },
);
