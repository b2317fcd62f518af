import { cloudConfig } from '#cloud/data-ports.ts';
import { cloudPorts } from '#cloud/model-ports.ts';
import { buildSegmentDeps } from '#functions/segment/deps.ts';
import { createSegmentHandler } from '#functions/segment/handler.ts';
import { createObservability } from '#functions/shared/observe/powertools.ts';

/** The deployed segment function: the segmentation model from the image, masks to the data bucket. */
export const handler = createSegmentHandler(
  async () => buildSegmentDeps(await cloudConfig(), await cloudPorts()),
  { observe: createObservability('segment') },
);
