import { cloudConfig, cloudDataPorts } from '#cloud/data-ports.ts';
import { buildPrepareDeps } from '#functions/prepare/deps.ts';
import { createPrepareHandler } from '#functions/prepare/handler.ts';
import { createObservability } from '#functions/shared/observe/powertools.ts';

/** The deployed prepare function (zip: no model, no native code). */
export const handler = createPrepareHandler(
  async () => buildPrepareDeps(await cloudConfig(), await cloudDataPorts()),
  { observe: createObservability('prepare') },
);
