import { createModelAdapters } from '#adapters/model-adapters.ts';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import { lazy } from '#core/lazy.ts';
import type { StagePorts } from '#core/ports/stage-ports.ts';
import { resolveModels } from '#models/resolve.ts';
import { cloudConfig, cloudDataPorts } from './data-ports.ts';

/**
 * Every port of a container function: the data ports, the models baked into the image (loaded on first use,
 * once per container) and the guarded HTTP client. Deployed functions never reach private addresses.
 */
export const cloudPorts = lazy(async (): Promise<StagePorts> => {
  const config = await cloudConfig();
  const data = await cloudDataPorts();
  const http = new UndiciHttpClient({ allowPrivateHosts: config.allowPrivateHosts });
  // A shopper's imageUrl never reaches a private address, whatever the downloader may (SSRF).
  const imageUrlHttp = new UndiciHttpClient({ allowPrivateHosts: false });
  const models = createModelAdapters(
    config,
    lazy(async () => resolveModels(config)),
  );
  return {
    ...data,
    downloadHttp: () => http,
    imageUrlHttp: () => imageUrlHttp,
    segmenter: models.segmenter,
    imageEmbedder: models.imageEmbedder,
    textEmbedder: models.textEmbedder,
  };
});
