import { cloudConfig } from '#cloud/data-ports.ts';
import { cloudPorts } from '#cloud/model-ports.ts';
import { buildDownloadDeps } from '#functions/download/deps.ts';
import { createDownloadHandler } from '#functions/download/handler.ts';
import { createObservability } from '#functions/shared/observe/powertools.ts';

/** The deployed download function: originals to the data bucket. */
export const handler = createDownloadHandler(
  async () => buildDownloadDeps(await cloudConfig(), await cloudPorts()),
  { observe: createObservability('download') },
);
