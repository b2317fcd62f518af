import { buildPrepareDeps } from '#functions/prepare/deps.ts';
import { createPrepareHandler } from '#functions/prepare/handler.ts';
import { createObservability } from '#functions/shared/observe/powertools.ts';
import { cloudConfig, cloudDataPorts } from '../data-ports.ts';

/** The deployed prepare function (zip: no model, no native code). */
export const handler = createPrepareHandler(
  async () => buildPrepareDeps(await cloudConfig(), await cloudDataPorts()),
  { observe: createObservability('prepare') },
);
