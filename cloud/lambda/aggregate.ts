import { cloudConfig, cloudDataPorts } from '#cloud/data-ports.ts';
import { buildAggregateDeps } from '#functions/aggregate/deps.ts';
import { createAggregateHandler } from '#functions/aggregate/handler.ts';
import { createObservability } from '#functions/shared/observe/powertools.ts';

/** The deployed aggregate function (zip): the run's batches from the bucket into MongoDB Atlas. */
export const handler = createAggregateHandler(
  async () => buildAggregateDeps(await cloudConfig(), await cloudDataPorts()),
  { observe: createObservability('aggregate') },
);
